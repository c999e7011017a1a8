/**
 * Forms as Slack modals. The form id rides in callback_id (`flux:form:<id>`), where to answer in
 * private_metadata. Fields with a fixed set of values (model, size, count, format, safety, upsample) are
 * static selects, so a member picks instead of typing; everything else is a text input.
 */
import type { Form } from '../../commands/context.ts';
import { FLUX_OPTIONS, SIZE_PRESETS } from '../../commands/flux/definition.ts';
import { MODEL_IDS } from '../../core/models.ts';
import { FORMATS } from '../../core/request.ts';
import { clip } from './blocks.ts';

export const FORM_CALLBACK_PREFIX = 'flux:form:';

interface Choice {
  value: string;
  label: string;
}

const range = (def: string, labels: Record<number, string> = {}): Choice[] => {
  const o = FLUX_OPTIONS.find((x) => x.name === def);
  const out: Choice[] = [];
  for (let n = o?.min ?? 0; n <= (o?.max ?? 0); n++)
    out.push({ value: String(n), label: labels[n] ? `${n} · ${labels[n]}` : String(n) });
  return out;
};

/** Select options by field name; the same names in any form (new, remix, edit) become selects. */
export const FIELD_CHOICES: Readonly<Record<string, readonly Choice[]>> = {
  model: MODEL_IDS.map((m) => ({ value: m, label: m })),
  size: SIZE_PRESETS.map((p) => ({ value: p.value, label: `${p.label} (${p.value})` })),
  count: range('count'),
  format: FORMATS.map((f) => ({ value: f, label: f })),
  safety: range('safety', { 0: 'strictest', 5: 'most permissive' }),
  upsample: [
    { value: 'on', label: 'On (not on klein)' },
    { value: 'off', label: 'Off' },
  ],
};

export function modalView(form: Form, meta: Record<string, unknown>) {
  return {
    type: 'modal',
    callback_id: `${FORM_CALLBACK_PREFIX}${form.id}`.slice(0, 255),
    private_metadata: JSON.stringify(meta).slice(0, 3000),
    title: { type: 'plain_text', text: clip(form.title, 24) },
    submit: { type: 'plain_text', text: 'Generate' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: form.fields.map((f) => ({
      type: 'input',
      block_id: f.name,
      optional: !f.required,
      label: { type: 'plain_text', text: clip(f.label, 2000) },
      element: FIELD_CHOICES[f.name] ? select(f, FIELD_CHOICES[f.name] ?? []) : textInput(f),
    })),
  };
}

type FormField = Form['fields'][number];

function select(f: FormField, choices: readonly Choice[]) {
  const all = [...choices];
  // A stored value outside the presets (a remix of 1000x1008) must survive the form, not fall back.
  if (f.value && !all.some((c) => c.value === f.value)) all.unshift({ value: f.value, label: f.value });
  const options = all.slice(0, 100).map((c) => ({
    text: { type: 'plain_text', text: clip(c.label, 75) },
    value: c.value,
  }));
  const initial = options.find((o) => o.value === f.value);
  return {
    type: 'static_select',
    action_id: f.name,
    options,
    ...(initial ? { initial_option: initial } : {}),
    ...(f.placeholder ? { placeholder: { type: 'plain_text', text: clip(f.placeholder, 150) } } : {}),
  };
}

function textInput(f: FormField) {
  return {
    type: 'plain_text_input',
    action_id: f.name,
    multiline: f.multiline ?? false,
    ...(f.value !== undefined && f.value !== '' ? { initial_value: clip(f.value, 3000) } : {}),
    ...(f.placeholder ? { placeholder: { type: 'plain_text', text: clip(f.placeholder, 150) } } : {}),
  };
}

/** A submitted view's values by block id (empty inputs and unselected selects are left out). */
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

/** Fields that have no place of their own in the shared form grammar, folded into `options` as flags. */
const FOLDED = ['count', 'format', 'safety', 'steps', 'guidance'] as const;

/**
 * The values the use case understands: prompt, model, size, seed and `options` (the text grammar). The
 * Slack-only fields become flags ahead of what was typed in `options`, so typed flags win.
 */
export function formValues(values: Record<string, string>): Record<string, string> {
  const { refs, upsample, options, ...rest } = values;
  const flags: string[] = [];
  for (const key of FOLDED) {
    const v = rest[key]?.trim();
    delete rest[key];
    if (v) flags.push(`--${key} ${v}`);
  }
  if (upsample === 'on') flags.push('--upsample');
  if (upsample === 'off') flags.push('--no-upsample');
  for (const ref of refs?.split(/\s+/) ?? []) if (ref) flags.push(`--ref ${ref}`);
  const text = [...flags, options?.trim() ?? ''].filter(Boolean).join(' ');
  return text ? { ...rest, options: text } : rest;
}
