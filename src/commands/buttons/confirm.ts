/**
 * Confirm: queues a job whose estimate was over the workspace's threshold. Only its requester may. A job
 * that was asked about privately gets its public card here, before it is queued: a channel closed to the
 * bot then costs nothing.
 */
import type { ButtonCommand } from '../command.ts';
import { cardFor, finalCard, queuedStatus } from '../flux/messages.ts';

export const confirmButton = {
  // Not even an admin: the money is the requester's to spend.
  data: { action: 'confirm', anyone: true, opensForm: false },
  async execute(ctx, job, env) {
    if (ctx.actor.id !== job.origin.userId) {
      await ctx.replyPrivate('Only the person who asked for this image can confirm it.');
      return;
    }
    if (job.state !== 'awaiting_confirmation' && job.state !== 'cancelled') {
      await ctx.replyPrivate('Already confirmed: the image is on its way.');
      return;
    }
    const place = env.live.contextFor(job) ?? ctx;
    const fresh = job.delivery.privateConfirm === true && job.delivery.cardShown !== true;
    if (fresh && job.state === 'awaiting_confirmation') {
      const card = cardFor({ ...job, state: 'queued' }, env.catalog, 'Queued', env.now());
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
          .showCard(finalCard(job, env.catalog, 'Not queued', env.now(), 'Not queued: nothing was charged'))
          .catch(() => undefined);
      throw err;
    }
    if (!fresh) return;
    const position = (await env.jobs.position(job.id)) ?? 1;
    await env.live.enqueue(job.id, () =>
      place.showCard(cardFor(queued, env.catalog, queuedStatus(position), env.now())),
    );
  },
} satisfies ButtonCommand;
