/**
 * How every command that makes an image starts one (/flux, Reroll, Retry, Remix, Use as reference,
 * forms): validate against the workspace's policy → the card → record and queue. Nothing is spent before
 * the request is valid and the card is up. An estimate above the confirm threshold is asked privately
 * first: the public card appears only once the requester confirms (buttons/confirm.ts).
 */
import { randomUUID } from 'node:crypto';
import { BudgetError, budgetStates, checkBudgets, maxSafetyFor } from '../../core/budgets.ts';
import type { JobView } from '../../core/job-types.ts';
import { estimate, formatUsd } from '../../core/pricing.ts';
import {
  type GenerationRequest,
  type RequestInput,
  type RequestPolicy,
  validateRequest,
} from '../../core/request.ts';
import { settingsFor } from '../admin.ts';
import type { CommandEnv } from '../command.ts';
import type { Button, CommandContext } from '../context.ts';
import { refusalWithFit } from './budget-fit.ts';
import { cardFor, finalCard, type JobFrom, queuedStatus, waitingStatus } from './messages.ts';

/** What this workspace allows and defaults to, as the request validator takes it. */
export function policyFor(env: CommandEnv, ctx: CommandContext): RequestPolicy {
  const s = settingsFor(env.settings, ctx);
  const p: RequestPolicy = {};
  if (s.allowedModels) p.allowedModels = s.allowedModels;
  if (s.defaultModel) p.defaultModel = s.defaultModel;
  if (s.defaultSize) p.defaultSize = s.defaultSize;
  const max = maxSafetyFor(s, ctx.channelId);
  if (max !== undefined) p.maxSafety = max;
  return p;
}

/** The job a new one is made from (a reroll, retry, remix or reference), and how. */
export interface Parent {
  id: string;
  kind: JobFrom['kind'];
}

/** Loose input (and `--ref` values the context resolves) → a validated request → a queued job. */
export async function startJob(
  ctx: CommandContext,
  env: CommandEnv,
  input: RequestInput,
  refs: string[] = [],
  parent?: Parent,
): Promise<JobView> {
  const resolved = refs.length ? await ctx.resolveReferences(refs) : [];
  const request = validateRequest(
    { ...input, references: [...(input.references ?? []), ...resolved] },
    env.catalog,
    policyFor(env, ctx),
  );
  return submit(ctx, env, request, parent);
}

/** What a new job's delivery starts with: the context's, and where it came from (a link to it, if any). */
function firstDelivery(ctx: CommandContext, env: CommandEnv, parent?: Parent): Record<string, unknown> {
  if (!parent) return ctx.delivery();
  const link = env.jobs.get(parent.id)?.delivery.resultLink;
  const from: JobFrom = { kind: parent.kind, ...(typeof link === 'string' ? { url: link } : {}) };
  return { ...ctx.delivery(), from };
}

export async function submit(
  ctx: CommandContext,
  env: CommandEnv,
  request: GenerationRequest,
  parent?: Parent,
): Promise<JobView> {
  const { jobs, catalog, now } = env;
  const origin = {
    platform: ctx.platform,
    userId: ctx.actor.id,
    userName: ctx.actor.name,
  } as JobView['origin'];
  if (ctx.workspaceId) origin.workspaceId = ctx.workspaceId;
  if (ctx.channelId) origin.channelId = ctx.channelId;
  const delivery = firstDelivery(ctx, env, parent);
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
  const settings = settingsFor(env.settings, ctx);
  const states = () => budgetStates(settings, origin, env.settings, now());
  /** A budget refusal, with what would fit instead. */
  const refusal = (err: unknown) =>
    err instanceof BudgetError
      ? refusalWithFit(err, request, settings.budgets.length ? states() : [], env, settings.allowedModels)
      : err;
  // A refusal is usually a budget: say so privately before any public card. jobs.create checks again,
  // atomically, so this early look only saves a card that would have to say "not queued".
  try {
    if (settings.budgets.length) checkBudgets(states(), draft.estimateMicros);
  } catch (err) {
    throw refusal(err);
  }
  const confirm = draft.estimateMicros > settings.confirmThresholdMicros;
  if (confirm) return askFirst(ctx, env, draft, parent, refusal);
  await ctx.showCard(cardFor(draft, catalog, 'Queued', now()));
  let job: JobView;
  try {
    job = jobs.create({
      id: draft.id,
      request,
      origin,
      delivery: { ...delivery, ...ctx.delivery() },
      ...parentOf(parent),
    });
  } catch (err) {
    await ctx.showCard(
      finalCard(
        draft,
        catalog,
        'Not queued',
        now(),
        'Not queued: nothing was charged (see the private message)',
      ),
    );
    throw refusal(err);
  }
  env.live.set(job.id, ctx);
  await env.live.enqueue(job.id, async () => {
    const current = jobs.get(job.id) ?? job;
    const held = jobs.holdReason();
    const status =
      held && current.state === 'queued' ? waitingStatus(held) : queuedStatus(jobs.position(job.id) ?? 1);
    await ctx.showCard(cardFor(current, catalog, status, now()));
    jobs.updateDelivery(job.id, { ...ctx.delivery(), cardShown: true });
  });
  return job;
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
  refusal: (err: unknown) => unknown,
): Promise<JobView> {
  let job: JobView;
  try {
    job = env.jobs.create({
      request: draft.request,
      origin: draft.origin,
      delivery: { ...draft.delivery, privateConfirm: true },
      ...parentOf(parent),
      awaitConfirmation: true,
    });
  } catch (err) {
    throw refusal(err);
  }
  env.live.set(job.id, ctx);
  const cost = formatUsd(job.estimateMicros);
  const buttons: Button[] = [
    { action: 'confirm', jobId: job.id, label: `Confirm ~${cost}`, style: 'primary' },
    { action: 'cancel', jobId: job.id, label: 'Cancel', style: 'secondary' },
  ];
  await ctx.replyPrivate(
    `This image is estimated at **~${cost}**, above this server's confirmation threshold. Confirm within 5 minutes to start it; nothing is charged until then.`,
    [],
    buttons,
  );
  // The private question may have used up the interaction's own message: the card must know.
  env.jobs.updateDelivery(job.id, ctx.delivery());
  return job;
}
