/**
 * One GenerationRequest type, and the validation that turns loose user input (strings from a slash
 * command, numbers from a modal) into it. Every rejection is a ValidationError naming the option and what
 * is allowed, raised before anything reaches the provider.
 */
import { randomInt } from 'node:crypto';
import { ValidationError } from './errors.ts';
import {
  DEFAULT_MODEL,
  FLEX_LIMITS,
  isModelId,
  MODEL_IDS,
  type ModelCatalog,
  type ModelId,
} from './models.ts';
import { int, num, parseBool, present, shown } from './option-values.ts';
import { hasVisibleText } from './prompt-text.ts';
import { validateReferences } from './reference-check.ts';
import { FORMATS, LIMITS, type OutputFormat } from './request-limits.ts';
import { parseSize } from './size-and-seed.ts';

// Front ends (src/commands, src/bots) import these with the request type; each lives in the file named.
export { isImageType, sniffImageType } from './reference-check.ts';
export { FORMATS, LIMITS, type OutputFormat, REFERENCE_TYPES } from './request-limits.ts';
export { megapixels, parseSize, seedAt } from './size-and-seed.ts';

/** A reference image: a URL the provider fetches itself, or bytes we already hold. */
export type Reference =
  | {
      kind: 'url';
      url: string;
      name?: string;
      contentType?: string;
      bytes?: number;
      width?: number;
      height?: number;
    }
  | { kind: 'bytes'; data: Buffer; name?: string; contentType: string; width?: number; height?: number };

export interface GenerationRequest {
  prompt: string;
  model: ModelId;
  width: number;
  height: number;
  /** Seed of the first image; image i uses (seed + i) mod 2^32. */
  seed: number;
  count: number;
  /** flex only */
  steps?: number;
  /** flex only */
  guidance?: number;
  safety: number;
  format: OutputFormat;
  /** Prompt upsampling; ignored (and not offered) on klein. */
  upsample: boolean;
  references: Reference[];
}

/** Loose input, as front ends parse it. Absent = use the default. */
export interface RequestInput {
  prompt?: string;
  model?: string;
  size?: string;
  seed?: string | number;
  count?: string | number;
  steps?: string | number;
  guidance?: string | number;
  safety?: string | number;
  format?: string;
  upsample?: boolean | string;
  references?: Reference[];
}

/** What admins decide per server/channel (the cost-control issue fills these from settings). */
export interface RequestPolicy {
  allowedModels?: readonly ModelId[];
  defaultModel?: ModelId;
  defaultSize?: string;
  /** Safety is clamped to this (not refused), as product.md says. */
  maxSafety?: number;
}

export function validateRequest(
  input: RequestInput,
  catalog: ModelCatalog,
  policy: RequestPolicy = {},
): GenerationRequest {
  const prompt = (input.prompt ?? '').trim();
  if (!hasVisibleText(prompt))
    throw new ValidationError(
      'MISSING_PROMPT',
      'prompt',
      'a description of the image, 1 to 10000 characters',
    );
  if (prompt.length > LIMITS.promptMaxChars) {
    throw new ValidationError(
      'INVALID_OPTION',
      'prompt',
      `at most ${LIMITS.promptMaxChars} characters`,
      `${prompt.length} characters`,
    );
  }

  const allowed = policy.allowedModels?.length ? policy.allowedModels : MODEL_IDS;
  const modelRaw = (input.model ?? policy.defaultModel ?? DEFAULT_MODEL).trim().toLowerCase();
  if (!isModelId(modelRaw))
    throw new ValidationError('INVALID_OPTION', 'model', allowed.join(', '), shown(modelRaw));
  if (!allowed.includes(modelRaw))
    throw new ValidationError('MODEL_NOT_ALLOWED', 'model', allowed.join(', '), modelRaw);
  const model = catalog[modelRaw];

  const sizeRaw = input.size ?? policy.defaultSize ?? '1024x1024';
  const { width, height } = parseSize(sizeRaw);
  if (model.maxSide !== undefined && Math.max(width, height) > model.maxSide) {
    throw new ValidationError(
      'INVALID_OPTION',
      'size',
      `WxH in multiples of 16 with each side at most ${model.maxSide} on this image service (e.g. 2048x2048)`,
      sizeRaw,
    );
  }
  // An empty value is an error, never the default: `--seed=` must not quietly draw a random seed and spend.
  const seed = input.seed === undefined ? randomInt(0, 2 ** 32) : int('seed', input.seed, 0, LIMITS.seedMax);
  const count = input.count === undefined ? 1 : int('count', input.count, LIMITS.countMin, LIMITS.countMax);

  let steps: number | undefined;
  let guidance: number | undefined;
  if (model.tunable) {
    steps = present(input.steps)
      ? int('steps', input.steps, FLEX_LIMITS.steps.min, FLEX_LIMITS.steps.max)
      : FLEX_LIMITS.steps.default;
    guidance = present(input.guidance)
      ? num('guidance', input.guidance, FLEX_LIMITS.guidance.min, FLEX_LIMITS.guidance.max)
      : FLEX_LIMITS.guidance.default;
  } else {
    if (present(input.steps))
      throw new ValidationError('INVALID_OPTION', 'steps', 'only with model flex', shown(input.steps));
    if (present(input.guidance))
      throw new ValidationError('INVALID_OPTION', 'guidance', 'only with model flex', shown(input.guidance));
  }

  let safety = present(input.safety)
    ? int('safety', input.safety, LIMITS.safetyMin, LIMITS.safetyMax)
    : LIMITS.safetyDefault;
  if (policy.maxSafety !== undefined) safety = Math.min(safety, policy.maxSafety);

  const formatRaw = (input.format ?? 'jpeg').trim().toLowerCase();
  const format = formatRaw === 'jpg' ? 'jpeg' : formatRaw;
  if (!(FORMATS as readonly string[]).includes(format))
    throw new ValidationError('INVALID_OPTION', 'format', FORMATS.join(', '), shown(formatRaw));

  const upsample =
    input.upsample === undefined ? model.upsampling !== 'none' : parseBool('upsample', input.upsample);
  if (model.upsampling === 'none' && upsample) {
    throw new ValidationError(
      'INVALID_OPTION',
      'upsample',
      `off: ${model.id} has no prompt upsampling`,
      'on',
    );
  }

  const references = validateReferences(input.references ?? [], model.maxReferences, model.id);

  const request: GenerationRequest = {
    prompt,
    model: model.id,
    width,
    height,
    seed,
    count,
    safety,
    format: format as OutputFormat,
    upsample,
    references,
  };
  if (steps !== undefined) request.steps = steps;
  if (guidance !== undefined) request.guidance = guidance;
  return request;
}
