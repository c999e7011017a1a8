/** Image sizes as people write them (`WxH` or an aspect ratio), and the seed of each image of a request. */
import { ValidationError } from './errors.ts';
import { shown } from './option-values.ts';
import type { GenerationRequest } from './request.ts';
import { LIMITS } from './request-limits.ts';

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

function roundTo(n: number, step: number): number {
  return Math.max(step, Math.round(n / step) * step);
}
