/**
 * Money, exactly: every amount is an integer number of micro-dollars (1 USD = 1,000,000 µ$), so sums over
 * a month of jobs never drift. Estimate before a job from the price table (config); settle with the
 * provider's own `cost` (credits, 1 credit = $0.01) when it gives one; moderated tasks cost nothing.
 */
import type { ModelId } from './models.ts';
import type { GenerationRequest, Reference } from './request.ts';

export type Micros = number;
export const MICROS_PER_USD = 1_000_000;
export const MICROS_PER_CREDIT = 10_000;

export interface ModelPrice {
  /** The first megapixel of output. */
  firstMp: Micros;
  /** Each further megapixel of output. */
  extraMp: Micros;
  /** Each megapixel of input (reference) images. */
  inputMp: Micros;
}

export interface PriceTable {
  models: Record<ModelId, ModelPrice>;
  /** How a fraction of a megapixel is billed: `ceil` (whole MP, as resellers do) or `exact` (to 1/100 MP). */
  rounding: 'ceil' | 'exact';
  /** Megapixel of billing: 1,000,000 or 1,048,576 pixels (bfl-api.md: unsure). */
  pixelsPerMp: number;
  /** Assumed size of a reference whose dimensions are not known, in pixels. */
  unknownReferencePixels: number;
}

export const DEFAULT_PRICES: PriceTable = {
  models: {
    'klein-4b': { firstMp: 14_000, extraMp: 1_000, inputMp: 1_000 },
    'klein-9b': { firstMp: 15_000, extraMp: 2_000, inputMp: 2_000 },
    pro: { firstMp: 30_000, extraMp: 15_000, inputMp: 15_000 },
    max: { firstMp: 70_000, extraMp: 30_000, inputMp: 30_000 },
    flex: { firstMp: 50_000, extraMp: 50_000, inputMp: 50_000 },
  },
  rounding: 'ceil',
  pixelsPerMp: 1_000_000,
  unknownReferencePixels: 1_000_000,
};

/** Megapixels as billed: hundredths of an MP (integer), rounded up, then to whole MP under `ceil`. */
function billedCentiMp(pixels: number, table: PriceTable): number {
  const centi = Math.ceil((pixels * 100) / table.pixelsPerMp);
  return table.rounding === 'ceil' ? Math.ceil(centi / 100) * 100 : centi;
}

function referencePixels(ref: Reference, table: PriceTable): number {
  if (ref.width && ref.height) return Math.min(ref.width * ref.height, 4 * 1024 * 1024);
  return table.unknownReferencePixels;
}

/** The estimated cost of one image of the request (all images of a request cost the same). */
export function estimateImage(request: GenerationRequest, table: PriceTable): Micros {
  const price = table.models[request.model];
  const out = billedCentiMp(request.width * request.height, table);
  // First MP at the first-MP price, the rest at the extra price, in hundredths of an MP.
  const first = Math.min(out, 100);
  let micros = (first * price.firstMp + (out - first) * price.extraMp) / 100;
  for (const ref of request.references)
    micros += (billedCentiMp(referencePixels(ref, table), table) * price.inputMp) / 100;
  return Math.ceil(micros);
}

/** The estimate of a whole request: one task per image. */
export function estimate(request: GenerationRequest, table: PriceTable): Micros {
  return estimateImage(request, table) * request.count;
}

/** The provider's credits as micro-dollars; undefined when it gave none. */
export function creditsToMicros(credits: number | null | undefined): Micros | undefined {
  if (credits === null || credits === undefined || !Number.isFinite(credits) || credits < 0) return undefined;
  return Math.round(credits * MICROS_PER_CREDIT);
}

export function usdToMicros(usd: number): Micros {
  return Math.round(usd * MICROS_PER_USD);
}
