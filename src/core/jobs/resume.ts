/**
 * What a previous process left in flight, picked up on start: submitted tasks are waited for again
 * (never resubmitted — that would bill twice), queued ones run, ready jobs are delivered, and a task
 * cut off mid-submit is flagged for a person, since it may have reached the provider and been billed.
 */

import { estimateImage } from '../pricing.ts';
import type { JobRow, TaskRow } from '../store/types.ts';
import { deliverJob } from './deliver.ts';
import { type JobRuntime, jobLog, TERMINAL_TASK, toView } from './runtime.ts';
import { queueTask, resumeTask } from './tasks.ts';

export function resumeJobs(rt: JobRuntime, expire: (job: JobRow) => void): void {
  const jobs = rt.store.unfinishedJobs();
  const queued: Array<[JobRow, number]> = [];
  for (const job of jobs) {
    if (job.state === 'awaiting_confirmation') {
      expire(job);
      continue;
    }
    const tasks = rt.store.getTasks(job.id);
    let flagged = false;
    for (const task of tasks) {
      if (task.state === 'queued') queued.push([job, task.index]);
      else if (task.state === 'submitted' && task.submitted)
        // Waits take their slots before any queued task is handed one: the provider counts them already.
        resumeTask(rt, job, task.index, task.submitted);
      else if (task.state === 'submitting' || task.state === 'submitted') {
        flagForReview(rt, job, task);
        flagged = true;
      }
    }
    // The requester hears at once; a job that ends now without an image gets its one final event below.
    const endsNow = tasks.every((t) => TERMINAL_TASK.has(t.state)) && !tasks.some((t) => t.state === 'ready');
    if (flagged && !endsNow) rt.emit({ type: 'needs_review', job: toView(rt, job, tasks) });
  }
  for (const [job, index] of queued) queueTask(rt, job, index);
  // In the background: start-up must not wait for the platforms, and one call that hangs (until its
  // deadline) must not hold every later job, so a few lanes share the list.
  const ids = jobs.filter((j) => j.state !== 'awaiting_confirmation').map((j) => j.id);
  const lane = async (): Promise<void> => {
    for (let id = ids.shift(); id !== undefined && !rt.stopping; id = ids.shift())
      await deliverJob(rt, id).catch((err: unknown) =>
        rt.logger.error({ err, jobId: id }, 'settling a resumed job failed'),
      );
  };
  for (let i = 0; i < RESUME_LANES; i++) void lane();
}

/** Resumed deliveries under way at once: enough that one stuck call holds nobody, few enough for rate limits. */
const RESUME_LANES = 4;

function flagForReview(rt: JobRuntime, job: JobRow, task: TaskRow): void {
  const patch = {
    state: 'needs_review' as const,
    costMicros: estimateImage(job.request, rt.prices),
    costEstimated: true,
    error: {
      code: 'NEEDS_REVIEW' as const,
      message: 'interrupted while submitting',
      charge: 'unknown' as const,
    },
  };
  rt.store.updateTask(job.id, task.index, patch);
  Object.assign(task, patch);
  jobLog(rt, job, { task: task.index }).warn('task interrupted mid-submit: needs review (may be charged)');
}
