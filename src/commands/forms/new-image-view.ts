/**
 * The new-image form as it reads for what the member chose so far. It opens with that (nothing chosen)
 * and a platform that can redraw an open form (Slack) asks again when a choice marked `refreshes`
 * changes; Discord has no new-image form (its /flux options are the form).
 *
 * Shorter than every option at once: the fields only some models take (steps and guidance: flex;
 * prompt upsampling: not klein) are there only for a model that takes them, the one chosen or else the
 * workspace's default. Its note is the estimate, priced as /flux prices the same choices.
 */
import { ValidationError } from '../../core/errors.ts';
import { DEFAULT_MODEL, isModelId, type ModelId } from '../../core/models.ts';
import { estimate } from '../../core/pricing.ts';
import type { RequestPolicy } from '../../core/request.ts';
import { settingsFor } from '../admin.ts';
import type { CommandEnv } from '../command.ts';
import type { CommandContext, Form } from '../context.ts';
import type { FluxInput } from '../flux/definition.ts';
import { formTexts } from '../flux/form-texts.ts';
import { FAMILY_FIELDS, newImageForm, parseForm, withModelChoices } from '../flux/forms.ts';
import { policyOf } from '../flux/policy.ts';
import { requestOf } from '../flux/submit.ts';
import { formatMoney } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import { localeWith } from '../member-locale.ts';

/** The choices the form changes with: the model (which fields), and all the estimate is priced from. */
const REFRESHING = new Set(['model', 'draft', 'size', 'count']);

/** `values` as a submission would carry them (named fields, the rest as flags in `options`). */
export async function newImageView(
  ctx: CommandContext,
  env: CommandEnv,
  values: Record<string, string>,
): Promise<Form> {
  const settings = await settingsFor(env.settings, ctx);
  const locale = localeWith(ctx, settings);
  const policy = policyOf(settings, ctx.channelId);
  const input = enteredInput(values);
  const model = env.catalog[modelOf(input, policy)];
  const form = withModelChoices(newImageForm(locale), policy);
  const fields = form.fields
    .filter((f) => FAMILY_FIELDS.every(([name, takes]) => name !== f.name || takes(model)))
    .map((f) => (REFRESHING.has(f.name) ? { ...f, refreshes: true } : f));
  const note = estimateNote(input, env, policy, locale);
  return { ...form, fields, ...(note ? { note } : {}) };
}

/** What was entered; a mistake among the flags is the submission's to name, the named fields still count. */
function enteredInput(values: Record<string, string>): FluxInput {
  try {
    return parseForm(values);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const { options: _typed, ...named } = values;
    return parseForm(named);
  }
}

/** The model the form is for: the one chosen, else the one a submission would get. */
function modelOf(input: FluxInput, policy: RequestPolicy): ModelId {
  const chosen = input.model?.trim().toLowerCase();
  return chosen && isModelId(chosen) ? chosen : (policy.defaultModel ?? DEFAULT_MODEL);
}

/**
 * The estimate of the choices that set the price (model, draft, size, count; the prompt and the other
 * options cost nothing), through the request /flux would make of them. None while those choices are not
 * a request this workspace takes (a model it turned off): the submission names the mistake.
 */
function estimateNote(
  input: FluxInput,
  env: CommandEnv,
  policy: RequestPolicy,
  locale: Locale,
): string | undefined {
  const priced: FluxInput = {
    prompt: 'x',
    ...(input.model !== undefined ? { model: input.model } : {}),
    ...(input.size !== undefined ? { size: input.size } : {}),
    ...(input.count !== undefined ? { count: input.count } : {}),
    ...(input.draft ? { draft: true } : {}),
  };
  let plan: ReturnType<typeof requestOf>;
  try {
    plan = requestOf(priced, [], env, policy);
  } catch (err) {
    if (err instanceof ValidationError) return undefined;
    throw err;
  }
  const t = formTexts(locale);
  const cost = formatMoney(estimate(plan.request, env.prices), locale);
  return plan.final
    ? t.draftEstimate(cost, formatMoney(plan.final.estimateMicros, locale))
    : t.estimate(cost);
}
