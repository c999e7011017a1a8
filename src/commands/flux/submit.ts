/**
 * How every command that makes an image starts one (/flux, Reroll, Retry, Remix, Use as reference,
 * forms): validate against the workspace's policy → the card → record and queue. Nothing is spent before
 * the request is valid and the card is up. An estimate above the confirm threshold is asked privately
 * first: the public card appears only once the requester confirms (buttons/confirm.ts).
 */
import { randomUUID } from 'node:crypto';
import { BudgetError, checkBudgets, type WorkspaceSettings } from '../../core/budgets.ts';
import type { JobView } from '../../core/job-types.ts';
import { estimate } from '../../core/pricing.ts';
import {
  type GenerationRequest,
  type Reference,
  type RequestPolicy,
  validateRequest,
} from '../../core/request.ts';
import { budgetStatesAsync } from '../../core/store/async-budgets.ts';
import { settingsFor } from '../admin.ts';
import type { CommandEnv } from '../command.ts';
import type { Button, CommandContext } from '../context.ts';
import { formatMoney } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import { localeWith } from '../member-locale.ts';
import { refusalWithFit } from './budget-fit.ts';
import { cardTexts } from './card-texts.ts';
import type { FluxInput } from './definition.ts';
import { type FinalPlan, planDraft } from './draft.ts';
import { flowTexts } from './flow-texts.ts';
import { cardFor, finalCard, type JobFrom } from './messages.ts';
import { policyOf } from './policy.ts';

export interface SubmitOptions {
  /** The job it comes from (reroll, variation, final). */
  parent?: Parent;
  /** What the command keeps with the job's delivery (a draft's final). */
  extra?: Record<string, unknown>;
  /** The workspace's settings, when the caller has just read them. */
  settings?: WorkspaceSettings;
}

/** The job a new one is made from (a reroll, retry, remix or reference), and how. */
export interface Parent {
  id: string;
  kind: JobFrom['kind'];
}

/**
 * Loose input (and `--ref` values the context resolves) → a validated request → a queued job; a draft's
 * job carries the final it previews (draft.ts).
 */
export async function startJob(
  ctx: CommandContext,
  env: CommandEnv,
  input: FluxInput,
  refs: string[] = [],
  parent?: Parent,
): Promise<JobView> {
  const resolved = refs.length ? await ctx.resolveReferences(refs) : [];
  // One read of the workspace's settings serves the policy here and the language and money in submit.
  const settings = await settingsFor(env.settings, ctx);
  const { request, final } = requestOf(input, resolved, env, policyOf(settings, ctx.channelId));
  return submit(ctx, env, request, {
    ...(parent ? { parent } : {}),
    ...(final ? { extra: { draft: final } } : {}),
    settings,
  });
}

/** The request an input comes to, and for a draft the final it previews. Throws ValidationError. */
export function requestOf(
  input: FluxInput,
  resolved: Reference[],
  env: CommandEnv,
  policy: RequestPolicy,
): { request: GenerationRequest; final?: FinalPlan } {
  const { draft, ...options } = input;
  const loose = { ...options, references: [...(input.references ?? []), ...resolved] };
  if (!draft) return { request: validateRequest(loose, env.catalog, policy) };
  const plan = planDraft(loose, env, policy);
  return { request: plan.draft, final: plan.final };
}

/**
 * What a new job's delivery starts with: the context's, where it came from (a link to it, if any), and
 * what the command keeps with it (`extra`: a draft's final).
 */
async function firstDelivery(
  ctx: CommandContext,
  env: CommandEnv,
  parent?: Parent,
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  if (!parent) return { ...ctx.delivery(), ...extra };
  const link = (await env.jobs.get(parent.id))?.delivery.resultLink;
  const from: JobFrom = { kind: parent.kind, ...(typeof link === 'string' ? { url: link } : {}) };
  return { ...ctx.delivery(), ...extra, from };
}

export async function submit(
  ctx: CommandContext,
  env: CommandEnv,
  request: GenerationRequest,
  { parent, extra, settings: known }: SubmitOptions = {},
): Promise<JobView> {
  const { jobs, catalog, now } = env;
  // The card and results speak the requester's language, after a restart too: it is stored with the job.
  const settings = known ?? (await settingsFor(env.settings, ctx));
  const locale = localeWith(ctx, settings);
  const t = cardTexts(locale);
  const origin = originOf(ctx, locale);
  const delivery = await firstDelivery(ctx, env, parent, extra);
  // The card goes up before the job exists: if the platform refuses it (bot not in the channel), no
  // job was queued and nothing can be spent on an image with nowhere to go. It is named already, so
  // that first card carries its Cancel.
  const draft: JobView = {
    id: randomUUID(),
    state: 'queued',
    request,
    origin,
    delivery,
    estimateMicros: estimate(request, env.prices),
    createdAt: now(),
    tasks: [],
  };
  const { confirm, refusal } = await moneyFor(ctx, env, request, locale, settings);
  if (confirm) return askFirst(ctx, env, draft, parent, refusal, locale);
  await ctx.showCard(cardFor(draft, catalog, t.queued, now()));
  // The job's events may come before create returns (its 'queued', or another process starting it):
  // they must find this context, not rebuild a second one from the record, whose edits of the same
  // card would not be ordered with these.
  env.live.set(draft.id, ctx);
  let job: JobView;
  try {
    job = await jobs.create({
      id: draft.id,
      request,
      origin,
      delivery: { ...delivery, ...ctx.delivery() },
      ...parentOf(parent),
    });
  } catch (err) {
    env.live.forget(draft.id);
    await ctx.showCard(finalCard(draft, catalog, t.notQueued, now(), t.notQueuedSeePrivate));
    throw await refusal(err);
  }
  // The card's place (or why it waits) comes with the job's first events, in order with the rest; what
  // the card became is stored once it is shown.
  await env.live.enqueue(job.id, () => jobs.updateDelivery(job.id, { ...ctx.delivery(), cardShown: true }));
  return job;
}

/** Who asks, as a job records it. */
function originOf(ctx: CommandContext, locale: Locale): JobView['origin'] {
  const origin = {
    platform: ctx.platform,
    userId: ctx.actor.id,
    userName: ctx.actor.name,
    ...(locale !== 'en' ? { locale } : {}),
  } as JobView['origin'];
  if (ctx.workspaceId) origin.workspaceId = ctx.workspaceId;
  if (ctx.channelId) origin.channelId = ctx.channelId;
  return origin;
}

/**
 * The money questions asked before any card: a budget refusal is thrown, with what would fit instead;
 * `confirm` says the estimate is above the threshold (asked privately first); `refusal` turns a later
 * refusal (jobs.create checks again, atomically) into the same answer.
 */
export async function moneyFor(
  ctx: CommandContext,
  env: CommandEnv,
  request: GenerationRequest,
  locale: Locale,
  settings: WorkspaceSettings,
): Promise<{ confirm: boolean; refusal: (err: unknown) => Promise<unknown> }> {
  const states = () => budgetStatesAsync(settings, originOf(ctx, locale), env.settings, env.now());
  const refusal = async (err: unknown) =>
    err instanceof BudgetError
      ? refusalWithFit(
          err,
          request,
          settings.budgets.length ? await states() : [],
          env,
          settings.allowedModels,
          locale,
        )
      : err;
  const estimateMicros = estimate(request, env.prices);
  try {
    if (settings.budgets.length) checkBudgets(await states(), estimateMicros);
  } catch (err) {
    throw await refusal(err);
  }
  return { confirm: estimateMicros > settings.confirmThresholdMicros, refusal };
}

const parentOf = (parent?: Parent) => (parent ? { parentId: parent.id } : {});

/**
 * Above the threshold the money question is the requester's alone: the job is held (its estimate
 * reserved) and they are asked privately; Confirm puts the public card up and queues it.
 */
async function askFirst(
  ctx: CommandContext,
  env: CommandEnv,
  draft: JobView,
  parent: Parent | undefined,
  refusal: (err: unknown) => Promise<unknown>,
  locale: Locale,
): Promise<JobView> {
  let job: JobView;
  try {
    job = await env.jobs.create({
      request: draft.request,
      origin: draft.origin,
      delivery: { ...draft.delivery, privateConfirm: true },
      ...parentOf(parent),
      awaitConfirmation: true,
    });
  } catch (err) {
    throw await refusal(err);
  }
  env.live.set(job.id, ctx);
  const cost = formatMoney(job.estimateMicros, locale);
  const t = cardTexts(locale);
  const buttons: Button[] = [
    { action: 'confirm', jobId: job.id, label: t.confirm(cost), style: 'primary' },
    { action: 'cancel', jobId: job.id, label: t.cancel, style: 'secondary' },
  ];
  await ctx.replyPrivate(flowTexts(locale).confirmAsk(cost), [], buttons);
  // The private question may have used up the interaction's own message: the card must know.
  // The question is out either way: a record not saved only costs the card its later edits.
  await env.jobs
    .updateDelivery(job.id, ctx.delivery())
    .catch((err: unknown) => env.logger.warn({ err, jobId: job.id }, 'delivery record not saved'));
  return job;
}
