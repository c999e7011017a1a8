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
import { hasVisibleText } from './prompt-text.ts';

export const FORMATS = ['jpeg', 'png', 'webp'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export const LIMITS = {
  promptMaxChars: 10_000,
  sideMin: 64,
  sideStep: 16,
  maxPixels: 4 * 1024 * 1024,
  /** An aspect ratio maps to about this many pixels. */
  ratioPixels: 1024 * 1024,
  seedMax: 4_294_967_295,
  countMin: 1,
  countMax: 4,
  safetyMin: 0,
  safetyMax: 5,
  safetyDefault: 2,
  referenceMaxBytes: 20 * 1024 * 1024,
} as const;

export const REFERENCE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

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

/** `WxH` (multiples of 16) or an aspect ratio `W:H` mapped to about 1 MP. */
export function parseSize(raw: string): { width: number; height: number } {
  const allowed =
    'WxH in multiples of 16 (64 px minimum, 4 MP maximum, e.g. 1536x1024) or an aspect ratio such as 16:9';
  const s = raw.trim().toLowerCase().replace(/\s+/g, '');
  const dims = /^(\d{1,5})[x×*](\d{1,5})$/.exec(s);
  const ratio = /^(\d{1,3}(?:\.\d+)?):(\d{1,3}(?:\.\d+)?)$/.exec(s);
  let width: number;
  let height: number;
  if (dims) {
    width = Number(dims[1]);
    height = Number(dims[2]);
    if (width % LIMITS.sideStep || height % LIMITS.sideStep)
      throw new ValidationError('INVALID_OPTION', 'size', allowed, raw);
  } else if (ratio) {
    const r = Number(ratio[1]) / Number(ratio[2]);
    if (!Number.isFinite(r) || r <= 0 || r > 16 || r < 1 / 16)
      throw new ValidationError('INVALID_OPTION', 'size', allowed, raw);
    width = roundTo(Math.sqrt(LIMITS.ratioPixels * r), LIMITS.sideStep);
    height = roundTo(Math.sqrt(LIMITS.ratioPixels / r), LIMITS.sideStep);
  } else {
    throw new ValidationError('INVALID_OPTION', 'size', allowed, shown(raw));
  }
  if (width < LIMITS.sideMin || height < LIMITS.sideMin || width * height > LIMITS.maxPixels) {
    throw new ValidationError('INVALID_OPTION', 'size', allowed, raw);
  }
  return { width, height };
}

export function megapixels(width: number, height: number): number {
  return (width * height) / 1_000_000;
}

/** The seed of image `index` of a request. */
export function seedAt(request: Pick<GenerationRequest, 'seed'>, index: number): number {
  return (request.seed + index) % 2 ** 32;
}

function validateReferences(refs: Reference[], max: number, model: ModelId): Reference[] {
  if (refs.length > max)
    throw new ValidationError(
      'REFERENCE_INVALID',
      'references',
      `at most ${max} images with ${model}`,
      `${refs.length} images`,
    );
  refs.forEach((ref, i) => {
    const option = `reference ${i + 1}${ref.name ? ` (${ref.name})` : ''}`;
    const types = 'PNG, JPEG, WebP or GIF images up to 20 MB';
    if (ref.kind === 'url') {
      let url: URL;
      try {
        url = new URL(ref.url);
      } catch {
        throw new ValidationError('REFERENCE_INVALID', option, 'an http(s) link to an image', ref.url);
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new ValidationError('REFERENCE_INVALID', option, 'an http(s) link to an image', ref.url);
      }
      if (ref.contentType && !isImageType(ref.contentType))
        throw new ValidationError('REFERENCE_INVALID', option, types, ref.contentType);
      if (ref.bytes !== undefined && ref.bytes > LIMITS.referenceMaxBytes) {
        throw new ValidationError(
          'REFERENCE_INVALID',
          option,
          types,
          `${(ref.bytes / 1024 / 1024).toFixed(1)} MB`,
        );
      }
    } else {
      if (ref.data.length > LIMITS.referenceMaxBytes) {
        throw new ValidationError(
          'REFERENCE_INVALID',
          option,
          types,
          `${(ref.data.length / 1024 / 1024).toFixed(1)} MB`,
        );
      }
      const sniffed = sniffImageType(ref.data);
      if (!sniffed) throw new ValidationError('REFERENCE_INVALID', option, types, 'not an image');
    }
  });
  return refs;
}

export function isImageType(contentType: string): boolean {
  const base = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (REFERENCE_TYPES as readonly string[]).includes(base);
}

/** The image type from magic bytes, or undefined when the bytes are not an image we accept. */
export function sniffImageType(data: Uint8Array): (typeof REFERENCE_TYPES)[number] | undefined {
  const b = data;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 6 && ascii(b, 0, 4) === 'GIF8') return 'image/gif';
  return undefined;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}

/** Given at all: an empty string is a value (and an error), not the default. */
function present<T>(v: T | undefined): v is T {
  return v !== undefined;
}

/** A value as an error message quotes it; an empty one reads "nothing" rather than a blank. */
function shown(raw: string | number | boolean): string {
  return typeof raw === 'string' && !raw.trim() ? 'nothing' : String(raw);
}

function int(option: string, raw: string | number, min: number, max: number): number {
  const n = typeof raw === 'number' ? raw : /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ValidationError('INVALID_OPTION', option, `a whole number from ${min} to ${max}`, shown(raw));
  return n;
}

function num(option: string, raw: string | number, min: number, max: number): number {
  const n = typeof raw === 'number' ? raw : /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max)
    throw new ValidationError('INVALID_OPTION', option, `a number from ${min} to ${max}`, shown(raw));
  return n;
}

function parseBool(option: string, raw: boolean | string): boolean {
  if (typeof raw === 'boolean') return raw;
  const s = raw.trim().toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(s)) return true;
  if (['off', 'false', 'no', '0'].includes(s)) return false;
  throw new ValidationError('INVALID_OPTION', option, 'on or off', shown(raw));
}

function roundTo(n: number, step: number): number {
  return Math.max(step, Math.round(n / step) * step);
}
