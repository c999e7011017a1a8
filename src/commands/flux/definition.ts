/**
 * The /flux options as data. One definition drives Discord's command JSON, the Slack/CLI flag parser,
 * the modal fields and the help text; limits come from the core so they are never written twice.
 */
import { FLEX_LIMITS, MODEL_IDS } from '../../core/models.ts';
import { FORMATS, LIMITS, type RequestInput } from '../../core/request.ts';
import type { Locale } from '../i18n/locale.ts';
import { type OptionText, optionTexts } from './option-texts.ts';

/** /flux input as front ends parse it: the request's options, and whether to draft first (draft.ts). */
export type FluxInput = RequestInput & { draft?: boolean };

/** English is the definition's own language; other languages are looked up by the same keys. */
const en = optionTexts('en');

export type OptionKind = 'string' | 'integer' | 'number' | 'boolean' | 'attachment';

export interface OptionDef {
  /** Discord option name and the key in RequestInput. */
  name:
    | 'prompt'
    | 'model'
    | 'size'
    | 'seed'
    | 'count'
    | 'steps'
    | 'guidance'
    | 'safety'
    | 'format'
    | 'upsample'
    | 'draft'
    | 'image'
    | 'image2'
    | 'image3'
    | 'image4';
  kind: OptionKind;
  description: string;
  required?: boolean;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Discord offers presets by autocomplete. */
  autocomplete?: boolean;
  /**
   * Slack/CLI flag, e.g. "--model". A boolean reads `--<name>` as on and `--no-<name>` as off; its flag is
   * the one that changes the default (`--no-upsample`, `--draft`).
   */
  flag?: string;
  /** Example shown in help. */
  example?: string;
  /** As a form field: a short label (default: the description) and a hint shown while it is empty. */
  field?: { label?: string; hint?: string; initial?: string; multiline?: boolean };
}

export const FLUX_OPTIONS: readonly OptionDef[] = [
  {
    name: 'prompt',
    kind: 'string',
    description: en.prompt,
    required: true,
    example: '"a red fox in the snow"',
    field: { label: en.promptLabel, hint: en.promptHint, multiline: true },
  },
  {
    name: 'model',
    kind: 'string',
    description: en.model,
    choices: MODEL_IDS,
    flag: '--model',
    example: 'max',
    field: { label: en.modelLabel, hint: en.modelHint },
  },
  {
    name: 'size',
    kind: 'string',
    description: en.size,
    autocomplete: true,
    flag: '--size',
    example: '1536x1024',
    field: { label: en.sizeLabel, hint: en.sizeHint },
  },
  {
    name: 'seed',
    kind: 'integer',
    description: en.seed,
    min: 0,
    max: LIMITS.seedMax,
    flag: '--seed',
    example: '42',
    field: { label: en.seedLabel },
  },
  {
    name: 'count',
    kind: 'integer',
    description: en.count,
    min: LIMITS.countMin,
    max: LIMITS.countMax,
    flag: '--count',
    example: '2',
    field: { label: en.countLabel, initial: String(LIMITS.countMin) },
  },
  {
    name: 'steps',
    kind: 'integer',
    description: en.steps,
    min: FLEX_LIMITS.steps.min,
    max: FLEX_LIMITS.steps.max,
    flag: '--steps',
    example: '30',
  },
  {
    name: 'guidance',
    kind: 'number',
    description: en.guidance,
    min: FLEX_LIMITS.guidance.min,
    max: FLEX_LIMITS.guidance.max,
    flag: '--guidance',
    example: '4',
  },
  {
    name: 'safety',
    kind: 'integer',
    description: en.safety,
    min: LIMITS.safetyMin,
    max: LIMITS.safetyMax,
    flag: '--safety',
    example: '2',
    field: { label: en.safetyLabel, hint: en.safetyHint },
  },
  {
    name: 'format',
    kind: 'string',
    description: en.format,
    choices: FORMATS,
    flag: '--format',
    example: 'png',
    field: { label: en.formatLabel, hint: 'jpeg' },
  },
  {
    name: 'upsample',
    kind: 'boolean',
    description: en.upsample,
    flag: '--no-upsample',
    field: { label: en.upsampleLabel, hint: en.upsampleHint },
  },
  {
    name: 'draft',
    kind: 'boolean',
    description: en.draft,
    flag: '--draft',
    field: { label: en.draftLabel, hint: en.draftHint },
  },
  { name: 'image', kind: 'attachment', description: en.image },
  { name: 'image2', kind: 'attachment', description: en.image2 },
  { name: 'image3', kind: 'attachment', description: en.image3 },
  { name: 'image4', kind: 'attachment', description: en.image4 },
];

/** Slack/CLI only: repeatable reference flag. */
export const REF_FLAG = '--ref';

/** The form field for `--ref` links, where a form cannot take attachments (Slack). */
export const REFS_FIELD = {
  name: 'refs',
  label: en.refsLabel,
  multiline: true,
  placeholder: en.refsHint,
} as const;

/** Options a form names on their own; every other option travels in its `options` field as flags. */
export const NAMED_FIELDS = ['prompt', 'model', 'size', 'seed'] as const;

/** The new-image form's fields in the order a member fills them: the common choices first. */
export const NEW_IMAGE_FIELDS = [
  'prompt',
  'model',
  'draft',
  'size',
  'count',
  'format',
  'seed',
  REFS_FIELD.name,
  'safety',
  'upsample',
  'steps',
  'guidance',
] as const;

/** Size presets offered by Discord autocomplete and the Slack modal, most used first. */
export const SIZE_PRESETS: readonly { value: string; label: string; text: PresetText }[] = (
  [
    ['1024x1024', 'presetSquare'],
    ['1360x768', 'presetWide'],
    ['768x1360', 'presetTall'],
    ['1248x832', 'presetPhoto'],
    ['832x1248', 'presetPortrait'],
    ['1184x880', 'presetFourThree'],
    ['1536x1024', 'presetLarge'],
    ['1440x1440', 'presetLargeSquare'],
    ['2048x2048', 'presetMax'],
  ] as const
).map(([value, text]) => ({ value, label: en[text], text }));

type PresetText = Extract<OptionText, `preset${string}`>;

/** An option's description in `locale` (Discord's command list, help). */
export function describeOption(o: OptionDef, locale: Locale): string {
  return optionTexts(locale)[o.name];
}

/** An option as a form field's words in `locale`: its label (default: the description) and hint. */
export function fieldWords(o: OptionDef, locale: Locale): { label: string; hint?: string } {
  const t = optionTexts(locale) as Record<string, string>;
  const label = t[`${o.name}Label`] ?? describeOption(o, locale);
  const hint = t[`${o.name}Hint`] ?? o.field?.hint;
  return hint ? { label, hint } : { label };
}
