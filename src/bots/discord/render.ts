/**
 * Platform-neutral cards and results as Discord messages: an embed for the text, action rows for the
 * buttons (custom_id `flux:<action>:<jobId>` only — all state stays in the store). Card and field text
 * is plain text (the prompt, file names): escaped wherever Discord renders markdown, shown as is where
 * it does not (embed author and footer, modal values the member edits).
 */
import {
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIEmbed,
  type APIInteractionResponse,
  type APIModalInteractionResponseCallbackData,
  ButtonStyle,
  ComponentType,
  InteractionResponseType,
  MessageFlags,
  TextInputStyle,
} from 'discord-api-types/v10';
import type { Button, ButtonAction, Card, Field, Form, Link, ResultPost } from '../../commands/context.ts';
import { isPrompt } from '../../commands/field-keys.ts';
import type { Locale } from '../../commands/i18n/locale.ts';
import { buttonGroups } from '../button-rows.ts';
import { escapeMarkdown } from './markdown.ts';
import { discordTexts } from './texts.ts';

const PREFIX = 'flux';
const COLOR = 0x5865f2;
/** Discord's own red: a failure must not look like every other card. */
const FAILURE_COLOR = 0xed4245;

/** `flux:<action>:<jobId>`, or `flux:<action>@<index>:<jobId>` for one image of the job. */
export function buttonId(action: ButtonAction, jobId: string, index?: number): string {
  return `${PREFIX}:${action}${index === undefined ? '' : `@${index}`}:${jobId}`;
}

/** A button's custom_id → its parts, or undefined for anything else. */
export function parseButtonId(
  customId: string,
): { action: ButtonAction; jobId: string; index?: number } | undefined {
  const m = /^flux:(cancel|reroll|remix|use-ref|delete|confirm|retry|final)(?:@(\d{1,2}))?:(.{1,80})$/.exec(
    customId,
  );
  if (!m) return undefined;
  const parsed = { action: m[1] as ButtonAction, jobId: m[3] as string };
  return m[2] === undefined ? parsed : { ...parsed, index: Number(m[2]) };
}

const STYLE = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  danger: ButtonStyle.Danger,
} as const;

/** Discord's limits: 5 buttons a row, 5 rows a message. */
export function buttonRows(buttons: Button[]): APIActionRowComponent<APIButtonComponent>[] {
  return buttonGroups(buttons, 5)
    .slice(0, 5)
    .map((row) => ({
      type: ComponentType.ActionRow,
      components: row.map((b) => ({
        type: ComponentType.Button,
        style: STYLE[b.style ?? 'secondary'],
        label: clip(b.label, 80),
        custom_id: buttonId(b.action, b.jobId, b.index),
      })),
    }));
}

function fieldsToEmbed(fields: Array<Field & { url?: string }>): NonNullable<APIEmbed['fields']> {
  return fields.map((f) => ({
    name: escapeMarkdown(f.label, 256),
    // A backtick would end the code span early: such a value is escaped like any other.
    value: f.url
      ? `[${escapeMarkdown(f.value, 500)}](${f.url})`
      : f.code && !f.value.includes('`') && f.value.length <= 1022
        ? `\`${f.value}\``
        : escapeMarkdown(f.value, 1024),
    inline: !isPrompt(f),
  }));
}

/** Only the bot's own mention of a requester ever pings: one user, named in `allowed_mentions` too. */
export type MentionsAllowed = { parse: string[]; users?: string[] };

export function cardMessage(card: Card): {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  allowed_mentions?: MentionsAllowed;
} {
  if (card.failure) return failureMessage(card, card.failure);
  if (card.summary) {
    // A link the platform made (never user text), kept from unfurling into a preview by `<…>`.
    const link = card.link ? ` · [${card.link.label}](<${card.link.url}>)` : '';
    const fields = [...card.fields, ...fromField(card)];
    return {
      content: `**${escapeMarkdown(card.prompt, 120)}** — ${card.summary}${link}`,
      embeds: fields.length ? [{ color: COLOR, fields: fieldsToEmbed(fields) }] : [],
      components: buttonRows(card.buttons),
    };
  }
  return {
    content: '',
    embeds: [
      {
        color: COLOR,
        author: { name: card.title },
        description: escapeMarkdown(card.prompt, 3500),
        fields: fieldsToEmbed([...card.fields, ...fromField(card)]),
        footer: { text: card.status },
      },
    ],
    components: buttonRows(card.buttons),
  };
}

/** Where a reroll or remix came from: a masked link to the earlier result (bot text, platform URL). */
function fromField(card: Card): Field[] {
  return card.from
    ? [
        {
          label: discordTexts(card.locale ?? 'en').from,
          value: card.from.text,
          ...(card.from.url ? { url: card.from.url } : {}),
        },
      ]
    : [];
}

/** A failed job: red, ⚠️, its requester mentioned in the content (embeds never ping). */
function failureMessage(card: Card, failure: NonNullable<Card['failure']>) {
  const id = /^\d{1,20}$/.test(failure.requesterId) ? failure.requesterId : undefined;
  const t = discordTexts(card.locale ?? 'en');
  return {
    content: `⚠️ ${id ? `<@${id}> ` : ''}${t.couldNotBeMade}`,
    ...(id ? { allowed_mentions: { parse: [], users: [id] } } : {}),
    embeds: [
      {
        color: FAILURE_COLOR,
        author: { name: card.title },
        title: t.failed,
        description: escapeMarkdown(card.prompt, 3000),
        fields: [
          ...fieldsToEmbed([...card.fields, ...fromField(card)]),
          { name: t.whatHappened, value: escapeMarkdown(failure.text, 1024), inline: false },
        ],
        footer: { text: card.status },
      },
    ],
    components: buttonRows(card.buttons),
  };
}

export function resultMessage(
  post: ResultPost,
  notes: string[],
): { embeds: APIEmbed[]; components: APIActionRowComponent<APIButtonComponent>[] } {
  const embed: APIEmbed = { color: COLOR, fields: fieldsToEmbed(post.fields) };
  if (notes.length) embed.description = clip(notes.map((n) => `⚠️ ${n}`).join('\n'), 3500);
  return { embeds: [embed], components: buttonRows(post.buttons) };
}

/** The thread, else the result message itself: where a done card's link takes the member. */
export function resultLink(
  where: { guildId?: string; threadId?: string },
  message: { id: string; channel_id: string },
  locale: Locale = 'en',
): Link {
  const base = `https://discord.com/channels/${where.guildId ?? '@me'}`;
  const t = discordTexts(locale);
  return where.threadId
    ? { label: t.seeThread, url: `${base}/${where.threadId}` }
    : { label: t.seeResult, url: `${base}/${message.channel_id}/${message.id}` };
}

export function modal(form: Form): APIModalInteractionResponseCallbackData {
  return {
    custom_id: `${PREFIX}:form:${form.id}`.slice(0, 100),
    title: clip(form.title, 45),
    components: form.fields.slice(0, 5).map((f) => ({
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.TextInput,
          custom_id: f.name,
          label: clip(f.label, 45),
          style: f.multiline ? TextInputStyle.Paragraph : TextInputStyle.Short,
          required: f.required ?? false,
          ...(f.value !== undefined ? { value: clip(f.value, 4000) } : {}),
          ...(f.placeholder ? { placeholder: clip(f.placeholder, 100) } : {}),
        },
      ],
    })),
  };
}

/** An interaction's first response that only the member sees. */
export function privately(content: string, buttons: Button[] = []): APIInteractionResponse {
  return {
    type: InteractionResponseType.ChannelMessageWithSource,
    data: {
      content,
      flags: MessageFlags.Ephemeral,
      ...(buttons.length ? { components: buttonRows(buttons) } : {}),
    },
  };
}

export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
