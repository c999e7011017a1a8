/**
 * A budget refusal that says what would fit: the same request on another allowed model, or with fewer
 * images, priced from the same table as the estimate and held against what is left of the tightest
 * budget. The member gets a next step instead of only a "no".
 */
import { BudgetError, type BudgetState } from '../../core/budgets.ts';
import { MODEL_IDS, type ModelCatalog, type ModelId } from '../../core/models.ts';
import { estimate, type Micros, type PriceTable } from '../../core/pricing.ts';
import type { GenerationRequest } from '../../core/request.ts';
import { formatMoney } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import { usageTexts } from '../usage-texts.ts';

/** A BudgetError with its suggestion; answered like any budget refusal (BUDGET_EXCEEDED). */
export class BudgetRefusal extends BudgetError {
  readonly suggestion: string;
  constructor(err: BudgetError, suggestion: string) {
    super(err.state, err.estimateMicros);
    this.suggestion = suggestion;
  }
}

export interface FitDeps {
  catalog: ModelCatalog;
  prices: PriceTable;
}

/**
 * The dearest variant of `request` that fits in `leftMicros` (closest to what was asked), preferring the
 * same model on a tie; a sentence saying nothing fits when even the cheapest does not.
 */
export function whatWouldFit(
  request: GenerationRequest,
  leftMicros: Micros,
  deps: FitDeps,
  allowed: readonly ModelId[] = MODEL_IDS,
  locale: Locale = 'en',
): string {
  const t = usageTexts(locale);
  const models = allowed.filter((m) => deps.catalog[m].maxReferences >= request.references.length);
  const options = models.flatMap((model) =>
    Array.from({ length: request.count }, (_, i) => {
      const count = request.count - i;
      return { model, count, micros: estimate({ ...request, model, count }, deps.prices) };
    }),
  );
  const fits = options
    .filter((o) => o.micros <= leftMicros && !(o.model === request.model && o.count === request.count))
    .sort(
      (a, b) => b.micros - a.micros || Number(b.model === request.model) - Number(a.model === request.model),
    );
  const best = fits[0];
  if (best) {
    const images = best.count === request.count ? '' : t.fewerImages(String(best.count));
    return t.fits(best.model, images, formatMoney(best.micros, locale));
  }
  const cheapest = options.sort((a, b) => a.micros - b.micros)[0];
  return cheapest ? t.nothingFits(cheapest.model, formatMoney(cheapest.micros, locale)) : t.noModelTakesRefs;
}

/** `err` with what would fit, given every budget that applies (the tightest one decides). */
export function refusalWithFit(
  err: BudgetError,
  request: GenerationRequest,
  states: BudgetState[],
  deps: FitDeps,
  allowed?: readonly ModelId[],
  locale: Locale = 'en',
): BudgetRefusal {
  const left = Math.min(err.state.leftMicros, ...states.map((s) => s.leftMicros));
  return new BudgetRefusal(err, whatWouldFit(request, Math.max(0, left), deps, allowed, locale));
}
