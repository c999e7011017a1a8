/**
 * The /flux options as data. One definition drives Discord's command JSON, the Slack/CLI flag parser,
 * the modal fields and the help text; limits come from the core so they are never written twice.
 */
import { FLEX_LIMITS, MODEL_IDS } from '../../core/models.ts';
import { FORMATS, LIMITS, type RequestInput } from '../../core/request.ts';

/** /flux input as front ends parse it: the request's options, and whether to draft first (draft.ts). */
export type FluxInput = RequestInput & { draft?: boolean };

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
    description: 'What to draw',
    required: true,
    example: '"a red fox in the snow"',
    field: { label: 'Prompt', hint: 'a red fox in the snow, golden hour', multiline: true },
  },
  {
    name: 'model',
    kind: 'string',
    description: 'FLUX.2 model (default pro)',
    choices: MODEL_IDS,
    flag: '--model',
    example: 'max',
    field: { label: 'Model', hint: 'Default (pro)' },
  },
  {
    name: 'size',
    kind: 'string',
    description: 'WxH (multiples of 16, up to 4 MP) or an aspect ratio like 16:9',
    autocomplete: true,
    flag: '--size',
    example: '1536x1024',
    field: { label: 'Size', hint: 'Default size' },
  },
  {
    name: 'seed',
    kind: 'integer',
    description: 'Seed, to reproduce a result',
    min: 0,
    max: LIMITS.seedMax,
    flag: '--seed',
    example: '42',
    field: { label: 'Seed (empty for a random one)' },
  },
  {
    name: 'count',
    kind: 'integer',
    description: 'How many images (1–4)',
    min: LIMITS.countMin,
    max: LIMITS.countMax,
    flag: '--count',
    example: '2',
    field: { label: 'How many', initial: String(LIMITS.countMin) },
  },
  {
    name: 'steps',
    kind: 'integer',
    description: 'Steps (flex only, 1–50)',
    min: FLEX_LIMITS.steps.min,
    max: FLEX_LIMITS.steps.max,
    flag: '--steps',
    example: '30',
  },
  {
    name: 'guidance',
    kind: 'number',
    description: 'Guidance (flex only, 1.5–10)',
    min: FLEX_LIMITS.guidance.min,
    max: FLEX_LIMITS.guidance.max,
    flag: '--guidance',
    example: '4',
  },
  {
    name: 'safety',
    kind: 'integer',
    description: 'Safety tolerance, 0 strict … 5 permissive',
    min: LIMITS.safetyMin,
    max: LIMITS.safetyMax,
    flag: '--safety',
    example: '2',
    field: { label: 'Safety tolerance', hint: 'Default (2)' },
  },
  {
    name: 'format',
    kind: 'string',
    description: 'Output format (default jpeg)',
    choices: FORMATS,
    flag: '--format',
    example: 'png',
    field: { label: 'Format', hint: 'jpeg' },
  },
  {
    name: 'upsample',
    kind: 'boolean',
    description: 'Prompt upsampling (default on; not on klein)',
    flag: '--no-upsample',
    field: { label: 'Prompt upsampling', hint: 'Default (on; klein has none)' },
  },
  {
    name: 'draft',
    kind: 'boolean',
    description: 'Fast, cheap preview first; its Final button renders it at full quality',
    flag: '--draft',
    field: { label: 'Draft (fast, cheap preview first)', hint: 'Off: full quality now' },
  },
  { name: 'image', kind: 'attachment', description: 'Reference image' },
  { name: 'image2', kind: 'attachment', description: 'Second reference image' },
  { name: 'image3', kind: 'attachment', description: 'Third reference image' },
  { name: 'image4', kind: 'attachment', description: 'Fourth reference image' },
];

/** Slack/CLI only: repeatable reference flag. */
export const REF_FLAG = '--ref';

/** The form field for `--ref` links, where a form cannot take attachments (Slack). */
export const REFS_FIELD = {
  name: 'refs',
  label: 'Reference images',
  multiline: true,
  placeholder: 'Links to Slack files or public images, one per line',
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
export const SIZE_PRESETS: readonly { value: string; label: string }[] = [
  { value: '1024x1024', label: 'Square 1:1' },
  { value: '1360x768', label: 'Wide 16:9' },
  { value: '768x1360', label: 'Tall 9:16' },
  { value: '1248x832', label: 'Photo 3:2' },
  { value: '832x1248', label: 'Portrait 2:3' },
  { value: '1184x880', label: '4:3' },
  { value: '1536x1024', label: 'Large 3:2' },
  { value: '1440x1440', label: 'Large square' },
  { value: '2048x2048', label: 'Maximum 4 MP' },
];
