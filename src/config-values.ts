/**
 * Parsers for the configuration values that are more than one word: model maps and price overrides.
 * They read nothing from the environment themselves (config.ts does), and report problems into a list.
 */
import { z } from 'zod';
import { isModelId, MODEL_IDS, type ModelId } from './core/models.ts';
import { DEFAULT_PRICES, type PriceTable, usdToMicros } from './core/pricing.ts';

export interface Problem {
  name: string;
  problem: string;
  example: string;
}

export function defaultGatewayNames(): Record<ModelId, string> {
  return {
    pro: 'flux.2-pro',
    max: 'flux.2-max',
    flex: 'flux.2-flex',
    'klein-4b': 'flux.2-klein-4b',
    'klein-9b': 'flux.2-klein-9b',
  };
}

/** `pro=flux-2-pro-preview,klein-9b=flux-2-klein-9b-preview` */
export function parseModelMap<T extends Partial<Record<ModelId, string>>>(
  raw: string | undefined,
  problems: Problem[],
  name: string,
  base: T,
): T {
  const out = { ...base } as Record<string, string>;
  if (!raw?.trim()) return out as T;
  for (const pair of raw.split(',')) {
    const [key, value] = pair.split('=').map((s) => s.trim());
    if (!key || !value || !isModelId(key)) {
      problems.push({
        name,
        problem: `"${pair.trim()}" is not model=name with a model from ${MODEL_IDS.join(', ')}`,
        example: 'pro=flux-2-pro-preview',
      });
      continue;
    }
    out[key] = value;
  }
  return out as T;
}

const priceSchema = z.partialRecord(
  z.enum(MODEL_IDS as [ModelId, ...ModelId[]]),
  z
    .object({
      firstMp: z.number().nonnegative(),
      extraMp: z.number().nonnegative(),
      inputMp: z.number().nonnegative(),
    })
    .partial(),
);

/** FLUX_PRICES: JSON of USD per megapixel overrides, e.g. {"pro":{"firstMp":0.03,"extraMp":0.015}}. */
export function parsePrices(
  raw: string | undefined,
  rounding: string | undefined,
  problems: Problem[],
): PriceTable {
  const table: PriceTable = { ...DEFAULT_PRICES, models: { ...DEFAULT_PRICES.models } };
  if (rounding?.trim()) {
    if (rounding.trim() === 'ceil' || rounding.trim() === 'exact')
      table.rounding = rounding.trim() as 'ceil' | 'exact';
    else problems.push({ name: 'FLUX_PRICE_ROUNDING', problem: 'ceil or exact', example: 'ceil' });
  }
  if (!raw?.trim()) return table;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push({
      name: 'FLUX_PRICES',
      problem: 'not valid JSON',
      example: '{"pro":{"firstMp":0.03,"extraMp":0.015,"inputMp":0.015}}',
    });
    return table;
  }
  const parsed = priceSchema.safeParse(json);
  if (!parsed.success) {
    problems.push({
      name: 'FLUX_PRICES',
      problem: parsed.error.issues[0]?.message ?? 'invalid',
      example: '{"pro":{"firstMp":0.03}}',
    });
    return table;
  }
  for (const [model, p] of Object.entries(parsed.data) as [
    ModelId,
    { firstMp?: number; extraMp?: number; inputMp?: number },
  ][]) {
    const cur = table.models[model];
    table.models[model] = {
      firstMp: p.firstMp === undefined ? cur.firstMp : usdToMicros(p.firstMp),
      extraMp: p.extraMp === undefined ? cur.extraMp : usdToMicros(p.extraMp),
      inputMp: p.inputMp === undefined ? cur.inputMp : usdToMicros(p.inputMp),
    };
  }
  return table;
}
