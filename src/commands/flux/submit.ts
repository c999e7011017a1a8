/**
 * How every command that makes an image starts one (/flux, Reroll, Remix, Use as reference, forms):
 * validate against the workspace's policy → the card → record and queue. Nothing is spent before the
 * request is valid and the card is up.
 */
import { checkBudgets, maxSafetyFor } from '../../core/budgets.ts';
import type { JobView } from '../../core/job-types.ts';
import { estimate } from '../../core/pricing.ts';
import {
  type GenerationRequest,
  type RequestInput,
  type RequestPolicy,
  validateRequest,
} from '../../core/request.ts';
import { budgetStatesAsync } from '../../core/store/async-budgets.ts';
import { settingsFor } from '../admin.ts';
import type { CommandEnv } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { cardFor, finalCard, queuedStatus, waitingStatus } from './messages.ts';

/** What this workspace allows and defaults to, as the request validator takes it. */
export async function policyFor(env: CommandEnv, ctx: CommandContext): Promise<RequestPolicy> {
  const s = await settingsFor(env.settings, ctx);
  const p: RequestPolicy = {};
  if (s.allowedModels) p.allowedModels = s.allowedModels;
  if (s.defaultModel) p.defaultModel = s.defaultModel;
  if (s.defaultSize) p.defaultSize = s.defaultSize;
  const max = maxSafetyFor(s, ctx.channelId);
  if (max !== undefined) p.maxSafety = max;
  return p;
}

/** Loose input (and `--ref` values the context resolves) → a validated request → a queued job. */
export async function startJob(
  ctx: CommandContext,
  env: CommandEnv,
  input: RequestInput,
  refs: string[] = [],
  parentId?: string,
): Promise<JobView> {
  const resolved = refs.length ? await ctx.resolveReferences(refs) : [];
  const request = validateRequest(
    { ...input, references: [...(input.references ?? []), ...resolved] },
    env.catalog,
    await policyFor(env, ctx),
  );
  return submit(ctx, env, request, parentId);
}

export async function submit(
  ctx: CommandContext,
  env: CommandEnv,
  request: GenerationRequest,
  parentId?: string,
): Promise<JobView> {
  const { jobs, catalog, now } = env;
  const origin = {
    platform: ctx.platform,
    userId: ctx.actor.id,
    userName: ctx.actor.name,
  } as JobView['origin'];
  if (ctx.workspaceId) origin.workspaceId = ctx.workspaceId;
  if (ctx.channelId) origin.channelId = ctx.channelId;
  // The card goes up before the job exists: if the platform refuses it (bot not in the channel), no
  // job was queued and nothing can be spent on an image with nowhere to go.
  const draft: JobView = {
    id: '',
    state: 'queued',
    request,
    origin,
    delivery: {},
    estimateMicros: estimate(request, env.prices),
    createdAt: now(),
    tasks: [],
  };
  const settings = await settingsFor(env.settings, ctx);
  // A refusal is usually a budget: say so privately before any public card. jobs.create checks again,
  // atomically, so this early look only saves a card that would have to say "not queued".
  if (settings.budgets.length)
    checkBudgets(await budgetStatesAsync(settings, origin, env.settings, now()), draft.estimateMicros);
  await ctx.showCard(cardFor(draft, catalog, 'Queued', now()));
  const confirm = draft.estimateMicros > settings.confirmThresholdMicros;
  const input = {
    request,
    origin,
    delivery: ctx.delivery(),
    ...(parentId ? { parentId } : {}),
    ...(confirm ? { awaitConfirmation: true } : {}),
  };
  let job: JobView;
  try {
    job = await jobs.create(input);
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
    throw err;
  }
  env.live.set(job.id, ctx);
  await env.live.enqueue(job.id, async () => {
    const current = (await jobs.get(job.id)) ?? job;
    const held = jobs.holdReason();
    const status =
      current.state === 'awaiting_confirmation'
        ? 'Waiting for your confirmation · expires in 5 min'
        : held && current.state === 'queued'
          ? waitingStatus(held)
          : queuedStatus((await jobs.position(job.id)) ?? 1);
    await ctx.showCard(cardFor(current, catalog, status, now()));
    await jobs.updateDelivery(job.id, { ...ctx.delivery(), cardShown: true });
  });
  return job;
}
