/** Reroll: the same request with a new seed, as a child of the job. */
import { randomInt } from 'node:crypto';
import { validateRequest } from '../../core/request.ts';
import type { ButtonCommand } from '../command.ts';
import { toInput } from '../flux/forms.ts';
import { policyFor, submit } from '../flux/submit.ts';

export const rerollButton = {
  data: { action: 'reroll', anyone: false, opensForm: false },
  async execute(ctx, job, env) {
    // Validated again: the workspace's policy may have changed since the job ran.
    const request = validateRequest(
      toInput(job.request, { seed: randomInt(0, 2 ** 32) }),
      env.catalog,
      await policyFor(env, ctx),
    );
    await submit(ctx, env, request, job.id);
  },
} satisfies ButtonCommand;
