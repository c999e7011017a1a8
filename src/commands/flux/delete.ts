/**
 * The Delete button: "Deleted" only once the platform confirmed every deletion; otherwise the member
 * hears what failed (and can press again: what was deleted is not tried twice). The card then says who
 * deleted it, instead of pointing at an empty thread.
 */
import type { JobsService, JobView } from '../../core/job-types.ts';
import type { Logger } from '../../core/logger.ts';
import type { ModelCatalog } from '../../core/models.ts';
import type { CommandContext } from '../context.ts';
import { finalCard } from './messages.ts';

export interface DeleteDeps {
  jobs: Pick<JobsService, 'updateDelivery'>;
  catalog: ModelCatalog;
  logger: Logger;
  now?: () => number;
}

export async function deleteResult(
  ctx: CommandContext,
  target: CommandContext | undefined,
  job: JobView,
  deps: DeleteDeps,
): Promise<void> {
  if (!target) {
    await ctx.replyPrivate('Not deleted: this bot no longer serves the place this image was posted in.');
    return;
  }
  const { failures } = await target.removeResult();
  // What is gone stays gone after a restart; what is left is tried again on the next press.
  await deps.jobs.updateDelivery(job.id, target.delivery());
  if (failures.length) {
    await ctx.replyPrivate(
      `Not deleted: ${failures.join('; ')}. Press Delete again in a moment, or remove it by hand.`,
    );
    return;
  }
  const now = (deps.now ?? Date.now)();
  await target
    .showCard(finalCard(job, deps.catalog, 'Deleted', now, `Deleted by ${ctx.actor.name}`))
    .catch((err: unknown) => deps.logger.warn({ err, jobId: job.id }, 'card not marked deleted'));
  await ctx.replyPrivate('Deleted.');
}
