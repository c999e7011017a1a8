/**
 * The store-facing steps of one task (jobs/tasks.ts runs them in order): starting its job, telling
 * its requester where it stands, recording its failure.
 */
import { type FluxError, ProviderError } from '../errors.ts';
import type { JobError, JobEvent, JobView } from '../job-types.ts';
import type { Logger } from '../logger.ts';
import { estimateImage, type PriceTable } from '../pricing.ts';
import type { AsyncStore } from '../store/port.ts';
import type { JobRow } from '../store/types.ts';
import { jobView } from './view.ts';

export interface TaskStepDeps {
  store: Pick<AsyncStore, 'getJobWithTasks' | 'startTask' | 'updateTask'>;
  prices: PriceTable;
  emit(event: JobEvent): void;
  now(): number;
  logger: Logger;
}

export function createTaskSteps(deps: TaskStepDeps) {
  const { store } = deps;

  return {
    /**
     * The task was handed a slot: it is submitting, and the job running if it was still queued. One
     * atomic store step, no job lock: the store decides which of racing siblings starts the job, and
     * only that one tells the requester. The lock is not needed against the other changes that take it
     * (each reads, then writes): start moves a job only out of `queued`, never back, and
     * - confirm and the confirmation's expiry change only an unconfirmed job, whose tasks are not in
     *   line yet;
     * - cancel ends a queued job only once its tasks are all taken out of the line, all or none: a task
     *   in a slot makes that fail, and one that got a slot after it never reaches here (its run reads
     *   the job cancelled). Start lands between cancel's read and its write only if a sweep queued a
     *   removed task again in that moment: cancel's write still ends the job (it was as wrong before:
     *   the task was submitted then too, the requester only not told it started);
     * - settle ends a job only when every task is terminal, and this one is not from here on. Only a
     *   second run of the same task (the queue gave up on it, or its lock lapsed) could end it meanwhile,
     *   as it could with the lock; settle's final state then stands, written after or kept by start.
     * What start read (the tasks) may be a moment behind a sibling's own steps, as any read may.
     */
    async start(job: JobRow, index: number): Promise<void> {
      const done = await store.startTask(job.id, index, deps.now());
      if (done?.started) deps.emit({ type: 'started', job: jobView(done.job, done.tasks) });
    },

    /**
     * Tells the requester an event about the job as it stands now. `still` is asked once the job is
     * read: an answer that came too late (the step it reports is over) is not sent.
     */
    async tell(jobId: string, event: (job: JobView) => JobEvent, still: () => boolean = () => true) {
      try {
        const read = await store.getJobWithTasks(jobId);
        const view = read && jobView(read.job, read.tasks);
        if (view && still()) deps.emit(event(view));
      } catch (err) {
        deps.logger.warn({ err, jobId }, 'job event not told: store unreadable');
      }
    },

    async failTask(job: JobRow, index: number, e: FluxError): Promise<void> {
      const error: JobError = { code: e.code, message: e.message, charge: e.charge };
      if (e instanceof ProviderError && e.detail) error.detail = e.detail;
      // Moderated and refused tasks cost nothing; when we cannot tell, the estimate stands, marked as such.
      const free = e.charge === 'none';
      await store.updateTask(job.id, index, {
        state: 'failed',
        error,
        costMicros: free ? 0 : estimateImage(job.request, deps.prices),
        costEstimated: !free,
      });
    },
  };
}
