/**
 * Platform-neutral cards and results as Slack Block Kit (forms are in modal.ts). Buttons carry only
 * `flux:<action>:<jobId>` in their action_id; all state stays in the store, so they outlive a restart.
 */
import type {
  Button,
  ButtonAction,
  Card,
  Field,
  Link,
  OutputImage,
  ResultPost,
} from '../../commands/context.ts';
import { isCost, isPrompt } from '../../commands/field-keys.ts';
import { cardTexts } from '../../commands/flux/card-texts.ts';
import { buttonGroups } from '../button-rows.ts';
import { slackTexts } from './texts.ts';

// Block Kit as plain JSON; Slack validates it, and the fake in tests checks what we send.
type Block = { type: string } & Record<string, unknown>;

/** `flux:<action>:<jobId>`, or `flux:<action>@<index>:<jobId>` for one image of the job. */
export function buttonActionId(action: ButtonAction, jobId: string, index?: number): string {
  return `flux:${action}${index === undefined ? '' : `@${index}`}:${jobId}`;
}

export function parseActionId(
  id: string,
): { action: ButtonAction; jobId: string; index?: number } | undefined {
  const m = /^flux:(cancel|reroll|remix|use-ref|delete|confirm|retry|final)(?:@(\d{1,2}))?:(.{1,200})$/.exec(
    id,
  );
  if (!m) return undefined;
  const parsed = { action: m[1] as ButtonAction, jobId: m[3] as string };
  return m[2] === undefined ? parsed : { ...parsed, index: Number(m[2]) };
}

/** One actions block per row (the job's buttons, then each per-image action's); 25 elements a block. */
export function buttonsBlock(buttons: Button[]): Block[] {
  return buttonGroups(buttons, 25).map((row) => ({
    type: 'actions',
    elements: row.map((b) => ({
      type: 'button',
      action_id: buttonActionId(b.action, b.jobId, b.index),
      text: { type: 'plain_text', text: clip(b.label, 75) },
      value: b.jobId,
      ...(b.style === 'primary' ? { style: 'primary' } : b.style === 'danger' ? { style: 'danger' } : {}),
    })),
  }));
}

function fieldsBlock(fields: Field[]): Block[] {
  if (!fields.length) return [];
  return [
    {
      type: 'section',
      fields: fields
        .slice(0, 10)
        .map((f) =>
          md(clip(`*${mrkdwn(f.label)}*\n${f.code ? `\`${mrkdwn(f.value)}\`` : mrkdwn(f.value)}`, 2000)),
        ),
    },
  ];
}

/**
 * The top-level `text` is mrkdwn too (it is the notification and the fallback), so it is escaped like
 * the blocks: a prompt's `<!channel>` must stay words, never a ping.
 */
export function cardBlocks(card: Card, edit = false): { text: string; blocks: Block[] } {
  const title = titleOf(card, edit);
  if (card.failure) return failureBlocks(card, card.failure, title);
  if (card.summary) {
    const line = `${mrkdwn(card.summary)}${card.link ? ` · ${link(card.link)}` : ''}`;
    return {
      text: `${mrkdwn(clip(card.prompt, 120))} — ${line}`,
      blocks: [
        { type: 'section', text: md(`*${mrkdwn(clip(card.prompt, 120))}* — ${line}`) },
        ...fieldsBlock(card.fields),
        ...fromBlock(card),
      ],
    };
  }
  return {
    text: `${title}: ${mrkdwn(clip(card.prompt, 150))} — ${mrkdwn(card.status)}`,
    blocks: [
      {
        type: 'section',
        text: md(clip(`*${title}*\n>${mrkdwn(card.prompt)}`, 3000)),
      },
      ...fieldsBlock(card.fields),
      ...fromBlock(card),
      { type: 'context', elements: [md(mrkdwn(card.status))] },
      ...buttonsBlock(card.buttons),
    ],
  };
}

/** A link Slack made (a permalink), never user text: `<url|label>`. */
function link(l: Link): string {
  return `<${mrkdwn(l.url)}|${mrkdwn(l.label)}>`;
}

function fromBlock(card: Card): Block[] {
  if (!card.from) return [];
  const { text, url } = card.from;
  return [{ type: 'context', elements: [md(`↪ ${url ? link({ label: text, url }) : mrkdwn(text)}`)] }];
}

const mentionable = (id: string | undefined): id is string => !!id && /^[UW][A-Z0-9]{2,}$/.test(id);

/**
 * The card's title, escaped, naming the requester as `<@U…>` (Slack shows their current name, not the
 * legacy handle) on an edit only: an edit's mention notifies nobody, a new message's would ping them.
 */
function titleOf(card: Card, edit: boolean): string {
  if (!edit || !mentionable(card.requesterId)) return mrkdwn(card.title);
  const slot = '\u0000';
  return mrkdwn(cardTexts(card.locale ?? 'en').askedFor(slot)).replace(slot, `<@${card.requesterId}>`);
}

const requesterMention = (failure: NonNullable<Card['failure']>): string =>
  mentionable(failure.requesterId) ? `<@${failure.requesterId}> ` : '';

/**
 * The new message that pings a failed job's requester (an edit's mention notifies nobody): the card's
 * first line again. None for a card without a failure or a requester Slack could mention.
 */
export function failureNotice(card: Card): string | undefined {
  const mention = card.failure ? requesterMention(card.failure) : '';
  return mention ? `:warning: ${mention}${slackTexts(card.locale ?? 'en').couldNotBeMade}` : undefined;
}

/** A failed job: a ⚠️ header, its requester mentioned (`<@U…>`), what happened, charged or not, what to do. */
function failureBlocks(
  card: Card,
  failure: NonNullable<Card['failure']>,
  title: string,
): { text: string; blocks: Block[] } {
  const mention = requesterMention(failure);
  const t = slackTexts(card.locale ?? 'en');
  const gap = card.locale && card.locale !== 'en' ? '' : ' ';
  const said = `${mention}${t.couldNotBeMade}${gap}${mrkdwn(failure.text)}`;
  return {
    text: `:warning: ${said}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: t.imageFailed, emoji: true } },
      { type: 'section', text: md(clip(`:warning: ${said}`, 3000)) },
      { type: 'section', text: md(clip(`*${title}*\n>${mrkdwn(card.prompt)}`, 3000)) },
      ...fieldsBlock(card.fields),
      ...fromBlock(card),
      ...buttonsBlock(card.buttons),
    ],
  };
}

export function resultBlocks(post: ResultPost, notes: string[]): { text: string; blocks: Block[] } {
  const cost = post.fields.find(isCost)?.value ?? '';
  const blocks: Block[] = [...fieldsBlock(post.fields.filter((f) => !isPrompt(f)))];
  const prompt = post.fields.find(isPrompt);
  if (prompt)
    blocks.unshift({
      type: 'section',
      text: md(clip(`*${mrkdwn(prompt.label)}*\n${mrkdwn(prompt.value)}`, 3000)),
    });
  if (notes.length)
    blocks.push({
      type: 'context',
      elements: [md(clip(notes.map((n) => `:warning: ${mrkdwn(n)}`).join('\n'), 3000))],
    });
  blocks.push(...buttonsBlock(post.buttons));
  const ready = slackTexts(post.locale ?? 'en').ready;
  return { text: `${ready}${cost ? ` · ${mrkdwn(cost)}` : ''}`, blocks };
}

/** An uploaded image shown in a message, described by its alt text (a chart's numbers) or its name. */
export function imageBlock(fileId: string, image: Pick<OutputImage, 'name' | 'alt'> | undefined): Block {
  return {
    type: 'image',
    slack_file: { id: fileId },
    alt_text: clip(image?.alt ?? image?.name ?? 'image', 2000),
  };
}

/** Slack mrkdwn control characters: `&`, `<` and `>` as entities, so `<!channel>` shows as words. */
export function mrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A mrkdwn text object for already-escaped text. `verbatim` stops Slack's automatic parsing, which
 * would otherwise turn a bare URL or channel name from a prompt into a live link.
 */
export function md(text: string): { type: 'mrkdwn'; text: string; verbatim: true } {
  return { type: 'mrkdwn', text, verbatim: true };
}

export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
