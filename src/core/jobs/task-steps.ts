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
import type { JobLocks } from './job-locks.ts';
import { jobView } from './view.ts';

export interface TaskStepDeps {
  store: Pick<AsyncStore, 'getJobWithTasks' | 'updateTask' | 'write'>;
  locks: JobLocks;
  prices: PriceTable;
  emit(event: JobEvent): void;
  now(): number;
  logger: Logger;
}

export function createTaskSteps(deps: TaskStepDeps) {
  const { store } = deps;

  return {
    /** The job's first task to start: the job is running from now, and its requester is told. */
    async start(job: JobRow, index: number): Promise<void> {
      // Under the job's lock: a sibling starting at the same time reads it running, and only submits.
      // The caller read the job queued before the lock; that read may be stale by now, so this one
      // (under the lock) is the one that decides.
      await deps.locks.run(job.id, async () => {
        const read = await store.getJobWithTasks(job.id);
        if (read?.job.state !== 'queued') {
          await store.updateTask(job.id, index, { state: 'submitting' });
          return;
        }
        const startedAt = deps.now();
        await store.write([
          { kind: 'job', id: job.id, patch: { state: 'running', startedAt } },
          { kind: 'task', jobId: job.id, index, patch: { state: 'submitting' } },
        ]);
        // The tasks as read under the lock, with this one's change applied: not read again. A sibling
        // may have moved on meanwhile (its own steps take no lock), as it could after any read.
        const tasks = read.tasks.map((t) => (t.index === index ? { ...t, state: 'submitting' as const } : t));
        deps.emit({ type: 'started', job: jobView({ ...read.job, state: 'running', startedAt }, tasks) });
      });
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
