/**
 * The forms, written from the option definition: a new image (Slack's `/flux` alone) and Remix, which
 * starts from a stored job; and how a submitted form becomes request input (what the member changed wins).
 */
import { randomInt } from 'node:crypto';
import type { JobView } from '../../core/job-types.ts';
import { isModelId, MODEL_IDS, type ModelCatalog, type ModelId, type ModelInfo } from '../../core/models.ts';
import { type GenerationRequest, type RequestInput, type RequestPolicy, seedAt } from '../../core/request.ts';
import type { Form } from '../context.ts';
import type { Locale } from '../i18n/locale.ts';
import {
  FLUX_OPTIONS,
  type FluxInput,
  fieldWords,
  NAMED_FIELDS,
  NEW_IMAGE_FIELDS,
  type OptionDef,
  REFS_FIELD,
} from './definition.ts';
import { formTexts } from './form-texts.ts';
import { withImage } from './image-actions.ts';
import { optionTexts } from './option-texts.ts';
import { parseFluxText } from './parse.ts';

type FormField = Form['fields'][number];

function option(name: string): OptionDef {
  const o = FLUX_OPTIONS.find((x) => x.name === name);
  if (!o) throw new Error(`no /flux option ${name}`);
  return o;
}

function optionField(o: OptionDef, locale: Locale): FormField {
  const f = o.field ?? {};
  const words = fieldWords(o, locale);
  return {
    name: o.name,
    label: words.label,
    ...(f.initial !== undefined ? { value: f.initial } : {}),
    ...(f.multiline ? { multiline: true } : {}),
    ...(o.required ? { required: true } : {}),
    ...(words.hint ? { placeholder: words.hint } : {}),
  };
}

/** `/flux` alone: every option as a field (no model or size forced: the workspace's defaults apply). */
export function newImageForm(locale: Locale = 'en'): Form {
  const refs = optionTexts(locale);
  return withLocale(
    {
      id: 'new',
      title: formTexts(locale).newTitle,
      fields: NEW_IMAGE_FIELDS.map((name) =>
        name === REFS_FIELD.name
          ? { ...REFS_FIELD, label: refs.refsLabel, placeholder: refs.refsHint }
          : optionField(option(name), locale),
      ),
    },
    locale,
  );
}

/**
 * The model field offers only the models the workspace allows (all when it names none, or none this
 * build knows: a list must never be empty). A stored model it no longer allows (a Remix of an older
 * image) is not kept as the choice: the member picks again. A label that lists the models (Remix's, for
 * a platform that shows a text field) lists the allowed ones.
 */
export function withModelChoices(form: Form, policy: RequestPolicy): Form {
  const allowed = (policy.allowedModels ?? []).filter((m) => (MODEL_IDS as readonly string[]).includes(m));
  if (!allowed.length) return form;
  const every = ` (${MODEL_IDS.join(', ')})`;
  return {
    ...form,
    fields: form.fields.map((f) => {
      if (f.name !== 'model') return f;
      const { value, ...field } = f;
      return {
        ...field,
        ...(value !== undefined && allowed.includes(value as ModelId) ? { value } : {}),
        label: f.label.endsWith(every)
          ? `${f.label.slice(0, -every.length)} (${allowed.join(', ')})`
          : f.label,
        choices: allowed,
      };
    }),
  };
}

/** English stays the default: a form says its language only when it is another. */
function withLocale(form: Form, locale: Locale): Form {
  return locale === 'en' ? form : { ...form, locale };
}

/** Options that travel as flags in a form's `options` field. */
const FLAG_OPTIONS = FLUX_OPTIONS.filter(
  (o): o is OptionDef & { flag: string } =>
    o.flag !== undefined && !(NAMED_FIELDS as readonly string[]).includes(o.name),
);

/** A stored request's other options as flags, as the member would type them. */
function flagsOf(input: RequestInput): string[] {
  return FLAG_OPTIONS.flatMap((o) => {
    const v = input[o.name as keyof RequestInput];
    if (v === undefined) return [];
    // A boolean is written as its negation (`--no-upsample`) when off: the default needs no flag.
    if (o.kind === 'boolean') return v === false ? [`--no-${o.name}`] : [];
    return [`${o.flag} ${String(v)}`];
  });
}

/** A stored request as loose input again (for reroll and remix), with some fields replaced. */
export function toInput(r: GenerationRequest, replace: Partial<RequestInput>): RequestInput {
  const input: RequestInput = {
    prompt: r.prompt,
    model: r.model,
    size: `${r.width}x${r.height}`,
    seed: r.seed,
    count: r.count,
    safety: r.safety,
    format: r.format,
    references: r.references,
  };
  if (r.model === 'flex') {
    input.steps = r.steps;
    input.guidance = r.guidance;
  }
  if (r.model !== 'klein-4b' && r.model !== 'klein-9b') input.upsample = r.upsample;
  return { ...input, ...replace };
}

/** One image of the job as a request of its own: its seed, one image. The whole job without `index`. */
function requestOf(job: JobView, index?: number): RequestInput {
  return toInput(job.request, index === undefined ? {} : { seed: seedAt(job.request, index), count: 1 });
}

/** The job's request in a form: the named options as fields, the rest as flags in `options`. */
export function remixForm(job: JobView, locale: Locale = 'en', index?: number): Form {
  const t = formTexts(locale);
  const input = requestOf(job, index);
  const named = NAMED_FIELDS.map((name) => {
    const o = option(name);
    const { placeholder: _hint, ...field } = optionField(o, locale);
    // Prefilled, a hint never shows: the label says what the field takes instead.
    const takes = !o.flag
      ? ''
      : o.choices
        ? ` (${o.choices.join(', ')})`
        : o.kind === 'string' && o.example
          ? t.example(o.example)
          : '';
    return { ...field, label: `${field.label}${takes}`, value: String(input[name] ?? '') };
  });
  const examples = ['count', 'format'].map((name) => `${option(name).flag} ${option(name).example}`);
  return withLocale(
    {
      id: `remix:${withImage(job.id, index)}`,
      title: t.remixTitle,
      fields: [
        ...named,
        {
          name: 'options',
          label: t.moreOptions,
          value: flagsOf(input).join(' '),
          placeholder: examples.join(' '),
        },
      ],
    },
    locale,
  );
}

/** `--ref` links typed in a form's options field. */
export function typedRefs(values: Record<string, string>): string[] {
  return values.options?.trim() ? parseFluxText(values.options).refs : [];
}

/** A form's fields as input: named fields, plus `options` in the text grammar. */
export function parseForm(values: Record<string, string>): FluxInput {
  const extra = values.options?.trim() ? parseFluxText(values.options).input : {};
  const input: FluxInput = { ...extra };
  for (const key of NAMED_FIELDS) {
    const v = values[key]?.trim();
    if (v !== undefined) {
      if (v === '' && key === 'seed') {
        input.seed = randomInt(0, 2 ** 32);
        continue;
      }
      input[key] = v;
    }
  }
  return input;
}

/** Fields only some model families take, and whether `model` is one of them. */
export const FAMILY_FIELDS: ReadonlyArray<[keyof RequestInput, (model: ModelInfo) => boolean]> = [
  ['steps', (m) => m.tunable],
  ['guidance', (m) => m.tunable],
  ['upsample', (m) => m.upsampling !== 'none'],
];

/**
 * A submitted Remix form as input. The stored request and the prefilled form carry the old model's
 * family fields (a flex job's `--steps 30 --guidance 4`, a pro job's upsampling); when the remix moves to
 * a model without them, those are dropped — the member did not ask for them. A value the member typed
 * or changed is kept, so the new model refuses it by name rather than ignoring it.
 */
export function remixInput(
  job: JobView,
  values: Record<string, string>,
  catalog: ModelCatalog,
  index?: number,
): RequestInput {
  const submitted = parseForm(values);
  const input: RequestInput = { ...requestOf(job, index), ...submitted };
  const modelId = input.model?.trim().toLowerCase() ?? '';
  // An unknown model is for validation to name; nothing to tidy before it.
  if (!isModelId(modelId)) return input;
  const prefilled = parseForm(formDefaults(remixForm(job, 'en', index)));
  for (const [field, takes] of FAMILY_FIELDS) {
    const typed = submitted[field] !== undefined && String(submitted[field]) !== String(prefilled[field]);
    if (!takes(catalog[modelId]) && !typed) delete input[field];
  }
  return input;
}

/** A form's values as it opens, before anyone types. */
function formDefaults(form: Form): Record<string, string> {
  return Object.fromEntries(form.fields.map((f) => [f.name, f.value ?? '']));
}
