/**
 * What a previous process left in flight, picked up on start: submitted tasks are waited for again
 * (never resubmitted — that would bill twice), queued ones run, ready jobs are delivered, and a task
 * cut off mid-submit is flagged for a person, since it may have reached the provider and been billed.
 */

import type { JobEvent } from '../job-types.ts';
import type { Logger } from '../logger.ts';
import type { PriceTable } from '../pricing.ts';
import type { AsyncStore } from '../store/port.ts';
import type { JobRow } from '../store/types.ts';
import { TERMINAL_TASK } from './deliver.ts';
import { flagForReview } from './review.ts';
import type { TaskRunner } from './tasks.ts';
import { jobView } from './view.ts';

export interface ResumeDeps {
  store: Pick<AsyncStore, 'unfinishedJobs' | 'getTasks' | 'updateTask'>;
  prices: PriceTable;
  tasks: TaskRunner;
  /**
   * Other processes run this store's tasks too (distributed mode): a submitted or submitting task may be
   * in another live process's hands right now. Each is queued again by its key instead — a no-op while
   * BullMQ still has it (its process alive, or its stalled job handed to another), and otherwise the
   * worker that takes it carries on from the store (tasks.ts), never resubmitting.
   */
  shared: boolean;
  /** Settles a job and delivers it when it has images (jobs/deliver.ts). */
  deliver(jobId: string): Promise<void>;
  /** Cancels an unconfirmed job at its deadline (jobs/confirmations.ts). */
  expire(job: JobRow): void;
  emit(event: JobEvent): void;
  logger: Logger;
  /** Aborted by stop(): resumed deliveries not yet begun are left for the next start. */
  stopSignal: AbortSignal;
}

export async function resumeJobs(deps: ResumeDeps): Promise<void> {
  const { store, logger } = deps;
  const jobs = await store.unfinishedJobs();
  const queued: Array<[JobRow, number]> = [];
  /** Jobs that end now without an image: settling them takes the store only, no platform. */
  const ending = new Set<string>();
  for (const job of jobs) {
    if (job.state === 'awaiting_confirmation') {
      deps.expire(job);
      continue;
    }
    const tasks = await store.getTasks(job.id);
    let flagged = false;
    for (const task of tasks) {
      if (task.state === 'queued' || (deps.shared && !TERMINAL_TASK.has(task.state)))
        queued.push([job, task.index]);
      else if (task.state === 'submitted' && task.submitted)
        // Waits take their slots before any queued task is handed one: the provider counts them already.
        deps.tasks.resume(job, task.index, task.submitted);
      else if (task.state === 'submitting' || task.state === 'submitted') {
        await flagForReview(deps, job, task);
        flagged = true;
      }
    }
    // The requester hears at once; a job that ends now without an image gets its one final event below.
    const endsNow = tasks.every((t) => TERMINAL_TASK.has(t.state)) && !tasks.some((t) => t.state === 'ready');
    if (flagged && !endsNow) deps.emit({ type: 'needs_review', job: jobView(job, tasks) });
    if (endsNow) ending.add(job.id);
  }
  for (const [job, index] of queued) deps.tasks.queue(job, index);
  // Before start-up ends, as when the store answered at once: their requesters hear it from the start.
  for (const id of ending)
    await deps
      .deliver(id)
      .catch((err: unknown) => logger.error({ err, jobId: id }, 'settling a resumed job failed'));
  // In the background: start-up must not wait for the platforms, and one call that hangs (until its
  // deadline) must not hold every later job, so a few lanes share the list.
  const ids = jobs.filter((j) => j.state !== 'awaiting_confirmation' && !ending.has(j.id)).map((j) => j.id);
  const lane = async (): Promise<void> => {
    for (let id = ids.shift(); id !== undefined && !deps.stopSignal.aborted; id = ids.shift())
      await deps
        .deliver(id)
        .catch((err: unknown) => logger.error({ err, jobId: id }, 'settling a resumed job failed'));
  };
  for (let i = 0; i < RESUME_LANES; i++) void lane();
}

/** Resumed deliveries under way at once: enough that one stuck call holds nobody, few enough for rate limits. */
const RESUME_LANES = 4;
