/**
 * Final: a draft's prompt, seed and size again, on the model the member asked for at full quality, as a
 * child of the draft. From one image of several (`flux:final@<index>:<jobId>`): that image alone — one
 * image, its own seed. Without an index (the job's Final, and every Final posted before per-image ones
 * existed): all of the draft's images. Who may press it is as for Reroll (its requester or an admin): it
 * spends.
 */

import { validateRequest } from '../../core/request.ts';
import { seedAt } from '../../core/size-and-seed.ts';
import type { ButtonCommand } from '../command.ts';
import { draftOf, finalInput } from '../flux/draft.ts';
import { draftTexts } from '../flux/draft-texts.ts';
import { toInput } from '../flux/forms.ts';
import { policyFor } from '../flux/policy.ts';
import { submit } from '../flux/submit.ts';
import { memberLocale } from '../member-locale.ts';

export const finalButton = {
  data: { action: 'final', anyone: false, opensForm: false },
  async execute(ctx, job, env, index) {
    const plan = draftOf(job);
    if (!plan) {
      await ctx.replyPrivate(draftTexts(await memberLocale(ctx, env.settings)).notADraft);
      return;
    }
    const one = index === undefined ? {} : { seed: seedAt(job.request, index), count: 1 };
    // Validated again: the server's policy may have changed since the draft ran.
    const request = validateRequest(
      toInput(job.request, { ...finalInput(plan), ...one }),
      env.catalog,
      await policyFor(env, ctx),
    );
    await submit(ctx, env, request, { parent: { id: job.id, kind: 'final' } });
  },
} satisfies ButtonCommand;
