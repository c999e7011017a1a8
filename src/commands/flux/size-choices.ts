/** Size presets for autocomplete, with megapixels and the estimate for the chosen model. */
import type { ModelCatalog } from '../../core/models.ts';
import { estimateImage, type PriceTable } from '../../core/pricing.ts';
import type { GenerationRequest } from '../../core/request.ts';
import { formatMoney } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import { SIZE_PRESETS } from './definition.ts';
import { sizeLabel } from './messages.ts';
import { optionTexts } from './option-texts.ts';

export function sizeChoices(
  partial: string,
  model: string | undefined,
  catalog: ModelCatalog,
  prices: PriceTable,
  locale: Locale = 'en',
): Array<{ name: string; value: string }> {
  const t = optionTexts(locale);
  const needle = partial.trim().toLowerCase();
  const id = model && model in catalog ? (model as GenerationRequest['model']) : 'pro';
  return SIZE_PRESETS.filter(
    (p) =>
      !needle ||
      p.value.includes(needle) ||
      p.label.toLowerCase().includes(needle) ||
      t[p.text].toLowerCase().includes(needle),
  )
    .map((p) => {
      const [w, h] = p.value.split('x').map(Number) as [number, number];
      const price = estimateImage({ ...sample(id), width: w, height: h }, prices);
      return {
        name: `${t[p.text]} · ${sizeLabel(w, h, locale)} · ~${formatMoney(price, locale)}`,
        value: p.value,
      };
    })
    .slice(0, 25);
}

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
