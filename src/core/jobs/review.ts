/**
 * A task cut off mid-submit (its process stopped or died between "about to submit" and "submit
 * answered"): it may have reached the provider and been billed, so it is not submitted again — a
 * person looks at it, and the estimate stands as its cost.
 */
import type { Logger } from '../logger.ts';
import { estimateImage, type PriceTable } from '../pricing.ts';
import type { AsyncStore } from '../store/port.ts';
import type { JobRow, TaskRow } from '../store/types.ts';
import { jobLog } from './keys.ts';

export async function flagForReview(
  deps: { store: Pick<AsyncStore, 'updateTask'>; prices: PriceTable; logger: Logger },
  job: JobRow,
  task: TaskRow,
): Promise<void> {
  const patch = {
    state: 'needs_review' as const,
    costMicros: estimateImage(job.request, deps.prices),
    costEstimated: true,
    error: {
      code: 'NEEDS_REVIEW' as const,
      message: 'interrupted while submitting',
      charge: 'unknown' as const,
    },
  };
  await deps.store.updateTask(job.id, task.index, patch);
  Object.assign(task, patch);
  jobLog(deps.logger, job, { task: task.index }).warn(
    'task interrupted mid-submit: needs review (may be charged)',
  );
}
