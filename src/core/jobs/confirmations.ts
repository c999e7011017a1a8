/**
 * Jobs held for their requester's confirmation (an estimate above the workspace's threshold). The
 * estimate is reserved while the job waits; if nobody confirms in time the job is cancelled, which
 * releases it — also after a restart, since the deadline is counted from the job's creation, and in
 * distributed mode by another process's sweep when the creating process died (jobs/sweep.ts). Two
 * processes expiring one job do it once: the expiry reads the job again under its lock.
 */
import type { JobEvent, JobView } from '../job-types.ts';
import type { Logger } from '../logger.ts';
import type { AsyncStore } from '../store/port.ts';
import type { JobRow, TaskRow } from '../store/types.ts';
import type { JobLocks } from './job-locks.ts';
import { jobView } from './view.ts';

export interface Confirmations {
  /**
   * Cancels the job at its deadline unless it was confirmed (or cancelled) by then. Once per job while
   * one is pending in this process: the sweep (jobs/sweep.ts) asks again for every unconfirmed job.
   */
  expireLater(job: JobRow): void;
  /**
   * Cancels an unconfirmed job now. The caller holds the job's lock (it read the job under it); its
   * tasks, when the caller read them too, are not read again (cancelling does not change them).
   */
  close(job: JobRow, tasks?: readonly TaskRow[]): Promise<JobView>;
}

export interface ConfirmationDeps {
  store: Pick<AsyncStore, 'getJobWithTasks' | 'getTasks' | 'updateJob'>;
  /** The deadline reads and cancels under the job's lock, so a confirm arriving then is not lost. */
  locks: JobLocks;
  emit(event: JobEvent): void;
  now(): number;
  logger: Logger;
  /** Aborted by stop(): a deadline passing while stopping is left for the next start. */
  stopSignal: AbortSignal;
}

export function createConfirmations(deps: ConfirmationDeps, ttlMs: number): Confirmations {
  const { store } = deps;
  /** Jobs with a deadline pending here, from the timer set until its expiry has run. */
  const pending = new Set<string>();
  const close = async (job: JobRow, tasks?: readonly TaskRow[]): Promise<JobView> => {
    const patch = { state: 'cancelled' as const, finishedAt: deps.now(), costMicros: 0 };
    await store.updateJob(job.id, patch);
    const view = jobView({ ...job, ...patch }, tasks ?? (await store.getTasks(job.id)));
    deps.emit({ type: 'cancelled', job: view });
    return view;
  };
  return {
    close,
    expireLater(job) {
      // The timer keeps the id only: the request (and any reference bytes) is read again if it fires.
      const { id, createdAt } = job;
      if (pending.has(id)) return;
      pending.add(id);
      const expire = async () => {
        const read = deps.stopSignal.aborted ? undefined : await store.getJobWithTasks(id);
        if (read?.job.state === 'awaiting_confirmation') await close(read.job, read.tasks);
      };
      const timer = setTimeout(
        () => {
          deps.locks
            .run(id, expire)
            .catch((err: unknown) => deps.logger.warn({ err, jobId: id }, 'expiring a confirmation failed'))
            // A failed expiry is tried again at the next sweep (or start).
            .finally(() => pending.delete(id));
        },
        Math.max(0, createdAt + ttlMs - deps.now()),
      );
      timer.unref();
    },
  };
}
