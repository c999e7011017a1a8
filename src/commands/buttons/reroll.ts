/** Reroll: the same request with a new seed, as a child of the job. */
import { randomInt } from 'node:crypto';
import type { JobView } from '../../core/job-types.ts';
import { validateRequest } from '../../core/request.ts';
import type { ButtonCommand, CommandEnv } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { toInput } from '../flux/forms.ts';
import { policyFor } from '../flux/policy.ts';
import { type Parent, submit } from '../flux/submit.ts';

/**
 * `job`'s request again with a new seed (Reroll, and Retry after a failure another seed may fix). From
 * one image of several (`index`): that image alone again — its settings, one image, a new seed.
 */
export async function withNewSeed(
  ctx: CommandContext,
  job: JobView,
  env: CommandEnv,
  kind: Parent['kind'],
  index?: number,
): Promise<void> {
  const seed = randomInt(0, 2 ** 32);
  // Validated again: the workspace's policy may have changed since the job ran.
  const request = validateRequest(
    toInput(job.request, index === undefined ? { seed } : { seed, count: 1 }),
    env.catalog,
    await policyFor(env, ctx),
  );
  await submit(ctx, env, request, { parent: { id: job.id, kind } });
}

export const rerollButton = {
  data: { action: 'reroll', anyone: false, opensForm: false },
  execute: (ctx, job, env, index) => withNewSeed(ctx, job, env, 'reroll', index),
} satisfies ButtonCommand;
