/**
 * Forms as Slack modals. The form id rides in callback_id (`flux:form:<id>`), where to answer in
 * private_metadata. Options with a fixed set of values (choices, a short range, on/off, the size
 * presets) are static selects, so a member picks instead of typing; everything else is a text input.
 */
import type { Form } from '../../commands/context.ts';
import {
  FLUX_OPTIONS,
  NAMED_FIELDS,
  NEW_IMAGE_FIELDS,
  type OptionDef,
  REF_FLAG,
  REFS_FIELD,
  SIZE_PRESETS,
} from '../../commands/flux/definition.ts';
import { formTexts } from '../../commands/flux/form-texts.ts';
import { optionTexts } from '../../commands/flux/option-texts.ts';
import { LOCALES, type Locale } from '../../commands/i18n/locale.ts';
import { clip } from './blocks.ts';
import { unwrapSlackLinks } from './text.ts';
import { slackTexts } from './texts.ts';

export const FORM_CALLBACK_PREFIX = 'flux:form:';

interface Choice {
  value: string;
  label: string;
}

/** A whole-number range this short is a pick; a longer one (steps, seed) is typed. */
const MAX_RANGE_CHOICES = 10;

function choicesOf(o: OptionDef, locale: Locale): Choice[] | undefined {
  const t = formTexts(locale);
  const preset = optionTexts(locale);
  if (o.choices) return o.choices.map((c) => ({ value: c, label: c }));
  if (o.kind === 'boolean')
    return [
      { value: 'on', label: t.on },
      { value: 'off', label: t.off },
    ];
  if (o.name === 'size')
    return SIZE_PRESETS.map((p) => ({ value: p.value, label: `${preset[p.text]} (${p.value})` }));
  if (o.kind !== 'integer' || o.min === undefined || o.max === undefined) return undefined;
  if (o.max - o.min + 1 > MAX_RANGE_CHOICES) return undefined;
  // Words for the ends of the safety scale, which a bare number does not explain.
  const said = slackTexts(locale);
  const words: Record<number, string> =
    o.name === 'safety' ? { 0: said.strictest, 5: said.mostPermissive } : {};
  const out: Choice[] = [];
  for (let n = o.min; n <= o.max; n++)
    out.push({ value: String(n), label: words[n] ? `${n} · ${words[n]}` : String(n) });
  return out;
}

/** Select options by field name and language; the same names in any form (new, remix, edit) become selects. */
const CHOICES = Object.fromEntries(
  LOCALES.map((locale) => [
    locale,
    Object.fromEntries(
      FLUX_OPTIONS.flatMap((o) => {
        const choices = choicesOf(o, locale);
        return choices ? [[o.name, choices]] : [];
      }),
    ),
  ]),
) as unknown as Record<Locale, Readonly<Record<string, readonly Choice[]>>>;

/**
 * A form as a modal view. A field that `refreshes` the form dispatches a block_actions payload when
 * changed (its input block's `dispatch_action`), and the form is redrawn (listeners/form-actions.ts);
 * `entered` (the view's state, by field) is what the member entered before that, kept as the initial
 * values. Block and action ids are the field names in every drawing, so Slack keeps entries too.
 */
export function modalView(form: Form, meta: Record<string, unknown>, entered: Record<string, string> = {}) {
  const locale = form.locale ?? 'en';
  const t = formTexts(locale);
  const choices = CHOICES[locale];
  const blocks: Array<Record<string, unknown>> = form.fields.map((f) => {
    const field = Object.hasOwn(entered, f.name) ? { ...f, value: entered[f.name] } : f;
    return {
      type: 'input',
      block_id: f.name,
      optional: !f.required,
      ...(f.refreshes ? { dispatch_action: true } : {}),
      label: { type: 'plain_text', text: clip(f.label, 2000) },
      element: choices[f.name] ? select(field, offered(choices[f.name] ?? [], f.choices)) : textInput(field),
    };
  });
  if (form.note) {
    // Right under the choices it speaks of (the estimate under model, size and count), else last.
    const after = form.fields.findLastIndex((f) => f.refreshes) + 1 || blocks.length;
    blocks.splice(after, 0, {
      type: 'context',
      block_id: NOTE_BLOCK,
      elements: [{ type: 'plain_text', text: clip(form.note, 2000) }],
    });
  }
  return {
    type: 'modal',
    callback_id: `${FORM_CALLBACK_PREFIX}${form.id}`.slice(0, 255),
    private_metadata: JSON.stringify(meta).slice(0, 3000),
    title: { type: 'plain_text', text: clip(form.title, 24) },
    submit: { type: 'plain_text', text: t.submit },
    close: { type: 'plain_text', text: t.close },
    blocks,
  };
}

/** The block of the form's note (the estimate); never an input, so never in a submission. */
export const NOTE_BLOCK = 'note';

type FormField = Form['fields'][number];

/** The option's picks, narrowed to what the form allows (the models of the workspace). */
const offered = (all: readonly Choice[], only: readonly string[] | undefined) =>
  only ? all.filter((c) => only.includes(c.value)) : all;

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

/**
 * Fields of the new-image form that have no place of their own in the shared form grammar, folded into
 * `options` as flags, in the form's order.
 */
const FOLDED = NEW_IMAGE_FIELDS.flatMap((name) => {
  const o = FLUX_OPTIONS.find((x) => x.name === name);
  if (!o?.flag || (NAMED_FIELDS as readonly string[]).includes(name)) return [];
  return [o];
});

/**
 * The values the use case understands: prompt, model, size, seed and `options` (the text grammar). The
 * Slack-only fields become flags ahead of what was typed in `options`, so typed flags win.
 */
export function formValues(values: Record<string, string>): Record<string, string> {
  const { [REFS_FIELD.name]: refs, options, ...rest } = values;
  const flags: string[] = [];
  const after: string[] = [];
  for (const o of FOLDED) {
    const v = rest[o.name]?.trim();
    delete rest[o.name];
    // A boolean reads `--<name>` as on and `--no-<name>` as off, whichever its default.
    if (o.kind === 'boolean') {
      if (v === 'on') after.push(`--${o.name}`);
      if (v === 'off') after.push(`--no-${o.name}`);
    } else if (v) flags.push(`${o.flag} ${v}`);
  }
  for (const ref of refs?.split(/\s+/) ?? []) if (ref) after.push(`${REF_FLAG} ${ref}`);
  // What Slack wraps as a link (`<https://x|x>`) reaches the shared parser as the plain address.
  const text = unwrapSlackLinks([...flags, ...after, options?.trim() ?? ''].filter(Boolean).join(' '));
  return text ? { ...rest, options: text } : rest;
}
