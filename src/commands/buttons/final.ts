/**
 * Final: a draft's prompt, seed and size again, on the model the member asked for at full quality, as a
 * child of the draft. Who may press it is as for Reroll (its requester or an admin): it spends.
 */
import { validateRequest } from '../../core/request.ts';
import type { ButtonCommand } from '../command.ts';
import { draftOf, finalInput } from '../flux/draft.ts';
import { draftTexts } from '../flux/draft-texts.ts';
import { toInput } from '../flux/forms.ts';
import { policyFor, submit } from '../flux/submit.ts';
import { memberLocale } from '../member-locale.ts';

export const finalButton = {
  data: { action: 'final', anyone: false, opensForm: false },
  async execute(ctx, job, env) {
    const plan = draftOf(job);
    if (!plan) {
      await ctx.replyPrivate(draftTexts(await memberLocale(ctx, env.settings)).notADraft);
      return;
    }
    // Validated again: the server's policy may have changed since the draft ran.
    const request = validateRequest(
      toInput(job.request, finalInput(plan)),
      env.catalog,
      await policyFor(env, ctx),
    );
    await submit(ctx, env, request, { id: job.id, kind: 'final' });
  },
} satisfies ButtonCommand;
