/**
 * The forms that iterate on a stored job (Remix) and how a submitted form becomes request input. A remix
 * starts from the stored request; what the member changed in the form wins.
 */
import { randomInt } from 'node:crypto';
import type { JobView } from '../../core/job-types.ts';
import { isModelId, type ModelCatalog, type ModelInfo } from '../../core/models.ts';
import type { GenerationRequest, RequestInput } from '../../core/request.ts';
import type { Form } from '../context.ts';
import { parseFluxText } from './parse.ts';

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

export function remixForm(job: JobView): Form {
  const r = job.request;
  const more = [`--count ${r.count}`, `--safety ${r.safety}`, `--format ${r.format}`];
  if (r.model === 'flex') more.push(`--steps ${r.steps}`, `--guidance ${r.guidance}`);
  if (!r.upsample && r.model !== 'klein-4b' && r.model !== 'klein-9b') more.push('--no-upsample');
  return {
    id: `remix:${job.id}`,
    title: 'Remix',
    fields: [
      { name: 'prompt', label: 'Prompt', value: r.prompt, multiline: true, required: true },
      { name: 'model', label: 'Model (pro, max, flex, klein-4b, klein-9b)', value: r.model },
      { name: 'size', label: 'Size (WxH or 16:9)', value: `${r.width}x${r.height}` },
      { name: 'seed', label: 'Seed (empty for a new one)', value: String(r.seed) },
      {
        name: 'options',
        label: 'More options',
        value: more.join(' '),
        placeholder: '--count 2 --format png',
      },
    ],
  };
}

/** A form's fields as input: named fields, plus `options` in the text grammar. */
export function parseForm(values: Record<string, string>): RequestInput {
  const extra = values.options?.trim() ? parseFluxText(values.options).input : {};
  const input: RequestInput = { ...extra };
  for (const key of ['prompt', 'model', 'size', 'seed'] as const) {
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
const FAMILY_FIELDS: ReadonlyArray<[keyof RequestInput, (model: ModelInfo) => boolean]> = [
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
): RequestInput {
  const submitted = parseForm(values);
  const input: RequestInput = { ...toInput(job.request, {}), ...submitted };
  const modelId = input.model?.trim().toLowerCase() ?? '';
  // An unknown model is for validation to name; nothing to tidy before it.
  if (!isModelId(modelId)) return input;
  const prefilled = parseForm(formDefaults(remixForm(job)));
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
