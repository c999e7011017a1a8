/**
 * Size choices for autocomplete, with megapixels and the estimate for the chosen model. A typed `WxH`
 * comes first, snapped to the nearest size the model takes (`1920x1080` → `1920×1072`), so a member
 * who knows the size they want is offered it rather than nothing.
 */
import type { ModelCatalog } from '../../core/models.ts';
import { estimateImage, type PriceTable } from '../../core/pricing.ts';
import type { GenerationRequest } from '../../core/request.ts';
import { LIMITS } from '../../core/request-limits.ts';
import { formatMoney } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import { SIZE_PRESETS } from './definition.ts';
import { sizeLabel } from './messages.ts';
import { optionTexts } from './option-texts.ts';

type Choice = { name: string; value: string };

export function sizeChoices(
  partial: string,
  model: string | undefined,
  catalog: ModelCatalog,
  prices: PriceTable,
  locale: Locale = 'en',
): Choice[] {
  const t = optionTexts(locale);
  const needle = partial.trim().toLowerCase();
  const id = model && model in catalog ? (model as GenerationRequest['model']) : 'pro';
  const priced = (w: number, h: number) =>
    `${sizeLabel(w, h, locale)} · ~${formatMoney(estimateImage({ ...sample(id), width: w, height: h }, prices), locale)}`;
  const presets = SIZE_PRESETS.filter(
    (p) =>
      !needle ||
      p.value.includes(needle) ||
      p.label.toLowerCase().includes(needle) ||
      t[p.text].toLowerCase().includes(needle),
  ).map((p) => {
    const [w, h] = p.value.split('x').map(Number) as [number, number];
    return { name: `${t[p.text]} · ${priced(w, h)}`, value: p.value };
  });
  const typed = typedSize(needle, catalog[id].maxSide);
  if (!typed) return presets.slice(0, 25);
  const value = `${typed.width}x${typed.height}`;
  const preset = presets.find((p) => p.value === value);
  // What was typed, and what it becomes when it is not a size the model takes.
  const echo = preset ?? {
    name: `${value === typed.raw ? '' : `${typed.raw} → `}${priced(typed.width, typed.height)}`,
    value,
  };
  return [echo, ...presets.filter((p) => p !== preset)].slice(0, 25);
}

/**
 * A typed `WxH` as the nearest allowed size: scaled down (its shape kept) to the model's longest side and
 * the pixel limit, each side to the nearest multiple of 16 (a tie goes down), at least the minimum side.
 */
export function typedSize(
  raw: string,
  maxSide = Number.POSITIVE_INFINITY,
): { raw: string; width: number; height: number } | undefined {
  const m = /^(\d{2,5})\s*[x×*]\s*(\d{2,5})$/.exec(raw.trim().toLowerCase());
  if (!m) return undefined;
  const [w, h] = [Number(m[1]), Number(m[2])];
  const k = Math.min(1, maxSide / Math.max(w, h), Math.sqrt(LIMITS.maxPixels / (w * h)));
  let width = Math.max(snap(w * k), LIMITS.sideMin);
  let height = Math.max(snap(h * k), LIMITS.sideMin);
  // Rounding up may cross a limit again: the longer side gives way, a step at a time.
  while (width > maxSide || height > maxSide || width * height > LIMITS.maxPixels) {
    if (width >= height) width -= STEP;
    else height -= STEP;
  }
  return { raw: `${m[1]}x${m[2]}`, width, height };
}

const STEP = LIMITS.sideStep;
const snap = (n: number) => Math.ceil(n / STEP - 0.5) * STEP;

function sample(model: GenerationRequest['model']): GenerationRequest {
  return {
    prompt: '',
    model,
    width: 1024,
    height: 1024,
    seed: 0,
    count: 1,
    safety: 2,
    format: 'jpeg',
    upsample: true,
    references: [],
  };
}
