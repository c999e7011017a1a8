/** Cancel: a queued or unconfirmed job ends before anything is spent on it. */
import type { ButtonCommand } from '../command.ts';

export const cancelButton = {
  data: { action: 'cancel', anyone: false, opensForm: false },
  async execute(_ctx, job, env) {
    await env.jobs.cancel(job.id);
  },
} satisfies ButtonCommand;
