/**
 * The end of a job: once every task is terminal it becomes ready (≥1 image, handed to its platform's
 * sink), failed (the first error) or needs_review (nothing came and a task may have been charged).
 */
import { UndeliverableError } from '../errors.ts';
import type { JobError, JobImage, JobState } from '../job-types.ts';
import { type JobRuntime, jobLog, TERMINAL_TASK, toView } from './runtime.ts';

const RETRY_DELAYS_MS = [2_000, 15_000, 60_000];
const FINAL = new Set<JobState>(['delivered', 'failed', 'cancelled', 'needs_review', 'undeliverable']);

/** Settles the job when all its tasks are terminal, and delivers it when it has images. */
export async function deliverJob(rt: JobRuntime, jobId: string): Promise<void> {
  const job = rt.store.getJob(jobId);
  if (!job || FINAL.has(job.state) || job.state === 'awaiting_confirmation') return;
  // Without images first: most calls find a sibling task still running and stop here.
  let tasks = rt.store.getTasks(jobId);
  if (!tasks.every((t) => TERMINAL_TASK.has(t.state))) return;
  const cost = tasks.reduce((sum, t) => sum + (t.costMicros ?? 0), 0);
  const finishedAt = job.finishedAt ?? rt.now();
  const log = jobLog(rt, job);

  if (!tasks.some((t) => t.state === 'ready')) {
    const review = tasks.find((t) => t.state === 'needs_review');
    const error: JobError = (review ?? tasks.find((t) => t.error))?.error ?? {
      code: 'TASK_FAILED',
      message: 'no image',
      charge: 'unknown',
    };
    const state = review ? 'needs_review' : 'failed';
    rt.store.updateJob(jobId, { state, costMicros: cost, finishedAt, error });
    const view = toView(rt, { ...job, state, costMicros: cost, finishedAt, error }, tasks);
    rt.emit(state === 'failed' ? { type: 'failed', job: view, error } : { type: 'needs_review', job: view });
    log.info({ state, code: error.code, cost }, 'job ended without an image');
    return;
  }

  if (job.state !== 'ready') rt.store.updateJob(jobId, { state: 'ready', costMicros: cost, finishedAt });
  const sink = rt.sinks.get(job.origin.platform);
  // Kept ready in the store: delivered when a sink attaches, or after a restart.
  if (!sink || rt.stopping || rt.delivering.has(jobId)) return;
  tasks = rt.store.getTasks(jobId, true);
  const images: JobImage[] = [];
  for (const t of tasks) {
    if (t.state !== 'ready' || !t.image) continue;
    const { data, contentType } = t.image;
    images.push({ index: t.index, seed: t.seed, data, contentType, costMicros: t.costMicros ?? 0 });
  }
  const view = toView(rt, { ...job, state: 'ready', costMicros: cost, finishedAt }, tasks);
  const handed = sink.handle({ type: 'ready', job: view, images });
  rt.delivering.set(
    jobId,
    handed.then(
      () => undefined,
      () => undefined,
    ),
  );
  try {
    await handed;
    rt.store.transaction(() => {
      rt.store.updateJob(jobId, { state: 'delivered' });
      rt.store.dropImages(jobId);
    });
    rt.deliveryRetries.delete(jobId);
    log.info({ cost, images: images.length }, 'job delivered');
  } catch (err) {
    if (err instanceof UndeliverableError) {
      const error: JobError = { code: 'UNDELIVERABLE', message: err.message, charge: 'charged' };
      rt.store.transaction(() => {
        rt.store.updateJob(jobId, { state: 'undeliverable', error });
        // Kept for an admin to hand over when the requester could not be sent them either.
        if (err.imagesSent) rt.store.dropImages(jobId);
      });
      rt.deliveryRetries.delete(jobId);
      log.warn({ err, cost, imagesSent: err.imagesSent }, 'job undeliverable: requester told privately');
      return;
    }
    const attempt = rt.deliveryRetries.get(jobId) ?? 0;
    const delay = RETRY_DELAYS_MS[attempt];
    log.warn(
      { err, attempt },
      delay === undefined ? 'delivery failed; kept for the next start' : 'delivery failed; will retry',
    );
    if (delay !== undefined && !rt.stopping) {
      rt.deliveryRetries.set(jobId, attempt + 1);
      setTimeout(() => {
        if (!rt.stopping) settle(rt, jobId);
      }, delay).unref();
    } else rt.deliveryRetries.delete(jobId);
  } finally {
    rt.delivering.delete(jobId);
  }
}

/** Fire-and-forget settle: delivery (platform uploads, their own rate limits) never holds a slot. */
export function settle(rt: JobRuntime, jobId: string): void {
  deliverJob(rt, jobId).catch((err: unknown) => rt.logger.error({ err, jobId }, 'settling a job failed'));
}
