/**
 * Confirm: queues a job whose estimate was over the workspace's threshold. Only its requester may. A job
 * that was asked about privately gets its public card here, before it is queued: a channel closed to the
 * bot then costs nothing.
 */
import type { ButtonCommand } from '../command.ts';
import { cardTexts } from '../flux/card-texts.ts';
import { flowTexts } from '../flux/flow-texts.ts';
import { cardFor, finalCard, queuedStatus } from '../flux/messages.ts';
import { jobLocale } from '../i18n/locale.ts';
import { memberLocale } from '../member-locale.ts';

export const confirmButton = {
  // Not even an admin: the money is the requester's to spend.
  data: { action: 'confirm', anyone: true, opensForm: false },
  async execute(ctx, job, env) {
    const said = flowTexts(await memberLocale(ctx, env.settings));
    const locale = jobLocale(job);
    const t = cardTexts(locale);
    if (ctx.actor.id !== job.origin.userId) {
      await ctx.replyPrivate(said.onlyRequesterConfirms);
      return;
    }
    if (job.state !== 'awaiting_confirmation' && job.state !== 'cancelled') {
      await ctx.replyPrivate(said.alreadyConfirmed);
      return;
    }
    const place = env.live.contextFor(job) ?? ctx;
    const fresh = job.delivery.privateConfirm === true && job.delivery.cardShown !== true;
    if (fresh && job.state === 'awaiting_confirmation') {
      const card = cardFor({ ...job, state: 'queued' }, env.catalog, t.queued, env.now());
      try {
        await place.showCard(card);
      } catch (err) {
        await env.jobs.cancel(job.id);
        throw err;
      }
      await env.jobs.updateDelivery(job.id, { ...place.delivery(), cardShown: true });
    }
    let queued: typeof job;
    try {
      queued = await env.jobs.confirm(job.id);
    } catch (err) {
      if (fresh && job.state === 'awaiting_confirmation')
        await place
          .showCard(finalCard(job, env.catalog, t.notQueued, env.now(), t.notQueuedNothingCharged))
          .catch(() => undefined);
      throw err;
    }
    if (!fresh) return;
    const position = (await env.jobs.position(queued)) ?? 1;
    await env.live.enqueue(job.id, () =>
      place.showCard(cardFor(queued, env.catalog, queuedStatus(position, locale), env.now())),
    );
  },
} satisfies ButtonCommand;
