/**
 * Where processes share the store (distributed mode), what a process that died left between two steps
 * is picked up by the others, without waiting for some process to start (jobs/resume.ts does it then):
 * - a ready job whose delivering process died is delivered by another once that claim has lapsed
 *   (jobs/deliver.ts); one whose tasks all ended but was never settled is settled;
 * - a job stored but never put in the queue (its process died in between) has its unfinished tasks
 *   queued again — a no-op for those BullMQ still holds;
 * - a job awaiting its requester's confirmation is expired at its deadline here too: its creating
 *   process's timer died with it, and its estimate stays reserved against the budget until then.
 * Every process sweeps; the job locks and the delivery claim make two sweeps of one job do it once.
 */
import type { Logger } from '../logger.ts';
import type { AsyncStore } from '../store/port.ts';
import type { Confirmations } from './confirmations.ts';
import { TERMINAL_TASK } from './deliver.ts';
import type { JobLocks } from './job-locks.ts';
import { taskKeys } from './keys.ts';
import type { TaskQueue } from './task-queue.ts';
import type { TaskRunner } from './tasks.ts';

/** How often each process sweeps by default: a dead process's work waits about this long. */
export const SWEEP_EVERY_MS = 60_000;

export interface SweepDeps {
  store: Pick<AsyncStore, 'unfinishedJobs' | 'getJobWithTasks'>;
  /**
   * A job's tasks are queued again under its lock, from a fresh read: a cancel (which takes the tasks
   * out of line, then writes the job cancelled, under the lock) must not have one put back meanwhile.
   */
  locks: JobLocks;
  scheduler: Pick<TaskQueue, 'isQueued' | 'settled'>;
  tasks: Pick<TaskRunner, 'queue'>;
  /** Settles a job and delivers it when it has images (jobs/deliver.ts). */
  settle(jobId: string): void;
  /** Cancels an unconfirmed job at its deadline; once per job while one is pending (jobs/confirmations.ts). */
  expire: Confirmations['expireLater'];
  now(): number;
  logger: Logger;
  /** Aborted by stop(): a sweep under way ends at the next job. */
  stopSignal: AbortSignal;
}

/** Sweeps every `everyMs` until the returned stop is called. */
export function startSweep(deps: SweepDeps, everyMs: number): () => void {
  // One sweep at a time: a slow store must not pile them up.
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweepOnce(deps, everyMs)
      .catch((err: unknown) => deps.logger.warn({ err }, 'unfinished jobs not swept'))
      .finally(() => {
        sweeping = false;
      });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * One look at every unfinished job. A queued or running job younger than `graceMs` is left alone: its
 * process may be between storing it and queueing it.
 */
export async function sweepOnce(deps: SweepDeps, graceMs: number): Promise<void> {
  const { store } = deps;
  for (const job of await store.unfinishedJobs()) {
    if (deps.stopSignal.aborted) return;
    if (job.state === 'awaiting_confirmation') deps.expire(job);
    else if (job.state === 'ready') deps.settle(job.id);
    else if (
      (job.state === 'queued' || job.state === 'running') &&
      deps.now() - job.createdAt > graceMs &&
      // A job whose images are all in line (as this process's view of the queue has it) needs nothing:
      // a long backlog costs no reads.
      !taskKeys(job).every((k) => deps.scheduler.isQueued(k))
    ) {
      const ended = await deps.locks.run(job.id, async () => {
        const read = await store.getJobWithTasks(job.id);
        if (read?.job.state !== 'queued' && read?.job.state !== 'running') return false;
        const unfinished = read.tasks.filter((t) => !TERMINAL_TASK.has(t.state));
        for (const t of unfinished) deps.tasks.queue(read.job, t.index);
        // In Redis before the lock is let go: a cancel taking them out of line next must find them.
        await deps.scheduler.settled();
        return unfinished.length === 0;
      });
      // Every task ended but the job was not: its process died before settling it (which takes the
      // lock itself, so it is asked once this one is let go).
      if (ended) deps.settle(job.id);
    }
  }
}
