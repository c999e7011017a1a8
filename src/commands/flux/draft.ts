/**
 * Draft, then final (the seed article's cost advice): `--draft` renders a fast, cheap preview with the
 * seed fixed; its Final button renders the same prompt, seed and size on the model the member asked for
 * (the server's default, else pro) at full quality.
 *
 * Which model drafts: flex at 6 steps or klein-4b, whichever the price table makes cheaper for this
 * request among the models the server allows and that can take it (references, size); flex on a tie.
 * flex bills per megapixel whatever its steps, so with the default prices ($0.05/MP flex, $0.014
 * klein-4b) drafts run on klein-4b, and on flex at 6 steps where klein-4b is not allowed or cannot take
 * the request (more than 4 references). A draft on another model than the final's is a preview of how
 * the prompt reads, not the same picture: a seed gives the same image only on the same model.
 */
import { randomInt } from 'node:crypto';
import { ValidationError } from '../../core/errors.ts';
import type { JobView } from '../../core/job-types.ts';
import { isModelId, MODEL_IDS, type ModelId } from '../../core/models.ts';
import { estimate, type Micros } from '../../core/pricing.ts';
import {
  type GenerationRequest,
  type RequestInput,
  type RequestPolicy,
  validateRequest,
} from '../../core/request.ts';
import type { CommandEnv } from '../command.ts';

/** The seed article's "quick sketch" setting for flex. */
export const DRAFT_STEPS = 6;
/** Draft models in order of preference on a tie. */
const DRAFT_MODELS: readonly ModelId[] = ['flex', 'klein-4b'];

/** What Final renders, kept with the draft job (its delivery's `draft`). */
export interface FinalPlan {
  model: ModelId;
  steps?: number;
  guidance?: number;
  upsample: boolean;
  /** The final's estimate when the draft was asked for (shown on the Final button). */
  estimateMicros: Micros;
}

/** The final a draft job carries; undefined for a job that is not a draft. */
export function draftOf(job: Pick<JobView, 'delivery'>): FinalPlan | undefined {
  const d = job.delivery.draft as Partial<FinalPlan> | undefined;
  if (!d || typeof d.model !== 'string' || !isModelId(d.model)) return undefined;
  return {
    model: d.model,
    ...(typeof d.steps === 'number' ? { steps: d.steps } : {}),
    ...(typeof d.guidance === 'number' ? { guidance: d.guidance } : {}),
    upsample: d.upsample === true,
    estimateMicros: typeof d.estimateMicros === 'number' ? d.estimateMicros : 0,
  };
}

/** The final's settings as loose input over a stored request (Final's own request). */
export function finalInput(plan: FinalPlan): Partial<RequestInput> {
  return { model: plan.model, steps: plan.steps, guidance: plan.guidance, upsample: plan.upsample };
}

/**
 * The draft request and the final it previews. The final is validated first, with the seed fixed: what
 * the final could not do (an option its model refuses) is refused now, before the draft spends anything.
 */
export function planDraft(
  input: RequestInput,
  env: Pick<CommandEnv, 'catalog' | 'prices'>,
  policy: RequestPolicy,
): { draft: GenerationRequest; final: FinalPlan } {
  const final = validateRequest({ ...input, seed: input.seed ?? randomInt(0, 2 ** 32) }, env.catalog, policy);
  const model = draftModel(final, env, policy);
  const draftInput: RequestInput = { ...input, model, seed: final.seed };
  if (model === 'flex') {
    draftInput.steps = DRAFT_STEPS;
    draftInput.guidance = final.guidance ?? input.guidance;
    draftInput.upsample = env.catalog[final.model].upsampling === 'none' ? false : final.upsample;
  } else {
    delete draftInput.steps;
    delete draftInput.guidance;
    delete draftInput.upsample;
  }
  return {
    draft: validateRequest(draftInput, env.catalog, policy),
    final: {
      model: final.model,
      ...(final.steps !== undefined ? { steps: final.steps } : {}),
      ...(final.guidance !== undefined ? { guidance: final.guidance } : {}),
      upsample: final.upsample,
      estimateMicros: estimate(final, env.prices),
    },
  };
}

function draftModel(
  final: GenerationRequest,
  env: Pick<CommandEnv, 'catalog' | 'prices'>,
  policy: RequestPolicy,
): ModelId {
  const allowed = policy.allowedModels?.length ? policy.allowedModels : MODEL_IDS;
  const fits = DRAFT_MODELS.filter((id) => {
    const m = env.catalog[id];
    return (
      allowed.includes(id) &&
      final.references.length <= m.maxReferences &&
      (m.maxSide === undefined || Math.max(final.width, final.height) <= m.maxSide)
    );
  });
  const cost = (id: ModelId) => estimate({ ...final, model: id }, env.prices);
  const best = fits.reduce<ModelId | undefined>(
    (pick, id) => (pick === undefined || cost(id) < cost(pick) ? id : pick),
    undefined,
  );
  if (!best)
    throw new ValidationError('MODEL_NOT_ALLOWED', 'model', allowed.join(', '), DRAFT_MODELS.join(', '));
  return best;
}
