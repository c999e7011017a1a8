/** Delete: removes the posted result, where it was posted (which may be a rebuilt context). */
import type { ButtonCommand } from '../command.ts';
import { deleteResult } from '../flux/delete.ts';

export const deleteButton = {
  data: { action: 'delete', anyone: false, opensForm: false },
  async execute(ctx, job, env) {
    await deleteResult(ctx, env.live.contextFor(job), job, {
      jobs: env.jobs,
      catalog: env.catalog,
      logger: env.logger,
      settings: env.settings,
      now: env.now,
    });
  },
} satisfies ButtonCommand;
