/** Confirm: queues a job whose estimate was over the workspace's threshold. Only its requester may. */
import type { ButtonCommand } from '../command.ts';

export const confirmButton = {
  // Not even an admin: the money is the requester's to spend.
  data: { action: 'confirm', anyone: true, opensForm: false },
  async execute(ctx, job, env) {
    if (ctx.actor.id !== job.origin.userId) {
      await ctx.replyPrivate('Only the person who asked for this image can confirm it.');
      return;
    }
    await env.jobs.confirm(job.id);
  },
} satisfies ButtonCommand;
