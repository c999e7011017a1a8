/** Size presets for autocomplete, with megapixels and the estimate for the chosen model. */
import type { ModelCatalog } from '../../core/models.ts';
import { estimateImage, formatUsd, type PriceTable } from '../../core/pricing.ts';
import type { GenerationRequest } from '../../core/request.ts';
import { SIZE_PRESETS } from './definition.ts';
import { sizeLabel } from './messages.ts';

export function sizeChoices(
  partial: string,
  model: string | undefined,
  catalog: ModelCatalog,
  prices: PriceTable,
): Array<{ name: string; value: string }> {
  const needle = partial.trim().toLowerCase();
  const id = model && model in catalog ? (model as GenerationRequest['model']) : 'pro';
  return SIZE_PRESETS.filter(
    (p) => !needle || p.value.includes(needle) || p.label.toLowerCase().includes(needle),
  )
    .map((p) => {
      const [w, h] = p.value.split('x').map(Number) as [number, number];
      const price = estimateImage({ ...sample(id), width: w, height: h }, prices);
      return { name: `${p.label} · ${sizeLabel(w, h)} · ~${formatUsd(price)}`, value: p.value };
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
