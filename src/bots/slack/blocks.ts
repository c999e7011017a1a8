/**
 * Platform-neutral cards, results and forms as Slack Block Kit. Buttons carry only `flux:<action>:<jobId>`
 * in their action_id (state stays in the store); modals carry their form id in callback_id and where to
 * answer in private_metadata.
 */
import type { Button, ButtonAction, Card, Field, Form, ResultPost } from '../../commands/context.ts';

// Block Kit as plain JSON; Slack validates it, and the fake in tests checks what we send.
type Block = { type: string } & Record<string, unknown>;

export function buttonActionId(action: ButtonAction, jobId: string): string {
  return `flux:${action}:${jobId}`;
}

export function parseActionId(id: string): { action: ButtonAction; jobId: string } | undefined {
  const m = /^flux:(cancel|reroll|remix|use-ref|delete|confirm):(.{1,200})$/.exec(id);
  return m ? { action: m[1] as ButtonAction, jobId: m[2] as string } : undefined;
}

function buttonsBlock(buttons: Button[]): Block[] {
  if (!buttons.length) return [];
  return [
    {
      type: 'actions',
      elements: buttons.map((b) => ({
        type: 'button',
        action_id: buttonActionId(b.action, b.jobId),
        text: { type: 'plain_text', text: b.label },
        value: b.jobId,
        ...(b.style === 'primary' ? { style: 'primary' } : b.style === 'danger' ? { style: 'danger' } : {}),
      })),
    },
  ];
}

function fieldsBlock(fields: Field[]): Block[] {
  if (!fields.length) return [];
  return [
    {
      type: 'section',
      fields: fields.slice(0, 10).map((f) => ({
        type: 'mrkdwn',
        text: clip(`*${f.label}*\n${f.code ? `\`${f.value}\`` : mrkdwn(f.value)}`, 2000),
      })),
    },
  ];
}

export function cardBlocks(card: Card): { text: string; blocks: Block[] } {
  if (card.summary) {
    const text = `${clip(card.prompt, 120)} — ${card.summary}`;
    return {
      text,
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: `*${mrkdwn(clip(card.prompt, 120))}* — ${mrkdwn(card.summary)}` },
        },
      ],
    };
  }
  return {
    text: `${card.title}: ${clip(card.prompt, 150)} — ${card.status}`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: clip(`*${mrkdwn(card.title)}*\n>${mrkdwn(card.prompt)}`, 3000) },
      },
      ...fieldsBlock(card.fields),
      { type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(card.status) }] },
      ...buttonsBlock(card.buttons),
    ],
  };
}

export function resultBlocks(post: ResultPost, notes: string[]): { text: string; blocks: Block[] } {
  const cost = post.fields.find((f) => f.label === 'Cost')?.value ?? '';
  const blocks: Block[] = [...fieldsBlock(post.fields.filter((f) => f.label !== 'Prompt'))];
  const prompt = post.fields.find((f) => f.label === 'Prompt');
  if (prompt)
    blocks.unshift({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*Prompt*\n${mrkdwn(prompt.value)}`, 3000) },
    });
  if (notes.length)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: clip(notes.map((n) => `:warning: ${mrkdwn(n)}`).join('\n'), 3000) }],
    });
  blocks.push(...buttonsBlock(post.buttons));
  return { text: `Your image is ready${cost ? ` · ${cost}` : ''}`, blocks };
}

/** A form as a modal view; `meta` (where to answer) rides along in private_metadata. */
export function modalView(
  form: Form,
  meta: Record<string, unknown>,
  options: { models?: readonly string[]; sizes?: ReadonlyArray<{ value: string; label: string }> } = {},
) {
  return {
    type: 'modal',
    callback_id: `flux:form:${form.id}`.slice(0, 255),
    private_metadata: JSON.stringify(meta).slice(0, 3000),
    title: { type: 'plain_text', text: clip(form.title, 24) },
    submit: { type: 'plain_text', text: 'Generate' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: form.fields.map((f) => {
      const choices =
        f.name === 'model'
          ? options.models?.map((m) => ({ value: m, label: m }))
          : f.name === 'size'
            ? options.sizes
            : undefined;
      const selectOptions = choices?.map((o) => ({
        text: {
          type: 'plain_text',
          text: clip(o.label === o.value ? o.value : `${o.label} (${o.value})`, 75),
        },
        value: o.value,
      }));
      const initial = selectOptions?.find((o) => o.value === f.value);
      const element = selectOptions
        ? {
            type: 'static_select',
            action_id: f.name,
            options: selectOptions,
            ...(initial ? { initial_option: initial } : {}),
          }
        : {
            type: 'plain_text_input',
            action_id: f.name,
            multiline: f.multiline ?? false,
            ...(f.value !== undefined && f.value !== '' ? { initial_value: clip(f.value, 3000) } : {}),
            ...(f.placeholder ? { placeholder: { type: 'plain_text', text: clip(f.placeholder, 150) } } : {}),
          };
      return {
        type: 'input',
        block_id: f.name,
        optional: !f.required,
        label: { type: 'plain_text', text: clip(f.label, 2000) },
        element,
      };
    }),
  };
}

/** A submitted view's values by block id. */
export function viewValues(
  state:
    | {
        values?: Record<
          string,
          Record<string, { value?: string | null; selected_option?: { value: string } | null }>
        >;
      }
    | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [block, actions] of Object.entries(state?.values ?? {})) {
    for (const a of Object.values(actions)) {
      const v = a.selected_option?.value ?? a.value;
      if (v !== undefined && v !== null) out[block] = v;
    }
  }
  return out;
}

/** Slack mrkdwn control characters. */
export function mrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
