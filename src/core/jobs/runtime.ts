/**
 * Shared state of the jobs service, views for front ends, and the end of a job: once every task is
 * terminal the job becomes ready (≥1 image, handed to its platform's sink), failed or needs_review.
 */
import type { JobError, JobImage, JobSink, JobView, Platform } from '../job-types.ts';
import type { Logger } from '../logger.ts';
import type { ModelCatalog } from '../models.ts';
import type { PriceTable } from '../pricing.ts';
import type { LatencyModel } from '../providers/poll-policy.ts';
import type { Provider } from '../providers/types.ts';
import type { Scheduler } from '../scheduler.ts';
import type { JobRow, Store, TaskRow } from '../store/types.ts';

export interface JobRuntime {
  store: Store;
  provider: Provider;
  catalog: ModelCatalog;
  prices: PriceTable;
  logger: Logger;
  scheduler: Scheduler;
  latency: LatencyModel;
  sinks: Map<Platform, JobSink>;
  /** Waits in progress by provider task id: abort on stop, wake on webhook. */
  waits: Map<string, { controller: AbortController; wake?: () => void }>;
  /** Tasks queued or in flight per user (`platform:userId`), for the per-user cap. */
  pending: Map<string, number>;
  stopping: boolean;
  /** Jobs whose delivery is under way, so two tasks finishing together deliver once. */
  delivering: Set<string>;
  userHash(platform: Platform, userId: string): string;
  emit(event: Parameters<JobSink['handle']>[0]): void;
}

const TERMINAL_TASK = new Set(['ready', 'failed', 'needs_review']);
const deliveryRetries = new Map<string, number>();
const RETRY_DELAYS_MS = [2_000, 15_000, 60_000];

export function toView(
  rt: JobRuntime,
  job: JobRow,
  tasks: Array<Pick<TaskRow, 'index' | 'seed' | 'state' | 'costMicros' | 'error'>> = rt.store.getTasks(
    job.id,
  ),
): JobView {
  const view: JobView = {
    ...job,
    tasks: tasks.map((t) => {
      const tv: JobView['tasks'][number] = { index: t.index, seed: t.seed, state: t.state };
      if (t.costMicros !== undefined) tv.costMicros = t.costMicros;
      if (t.error) tv.error = t.error;
      return tv;
    }),
  };
  return view;
}

/** Settles the job when all its tasks are terminal, and delivers it when it has images. */
export async function deliverJob(rt: JobRuntime, jobId: string): Promise<void> {
  const job = rt.store.getJob(jobId);
  if (
    !job ||
    job.state === 'delivered' ||
    job.state === 'failed' ||
    job.state === 'cancelled' ||
    job.state === 'needs_review'
  )
    return;
  const tasks = rt.store.getTasks(jobId, true);
  if (!tasks.every((t) => TERMINAL_TASK.has(t.state))) return;
  const cost = tasks.reduce((sum, t) => sum + (t.costMicros ?? 0), 0);
  const images: JobImage[] = tasks
    .filter((t) => t.state === 'ready' && t.image)
    .map((t) => ({
      index: t.index,
      seed: t.seed,
      data: t.image?.data as Buffer,
      contentType: t.image?.contentType as string,
      costMicros: t.costMicros ?? 0,
    }));
  const finishedAt = job.finishedAt ?? Date.now();

  if (!images.length) {
    const review = tasks.find((t) => t.state === 'needs_review');
    const error =
      (review ?? tasks.find((t) => t.error))?.error ??
      ({ code: 'TASK_FAILED', message: 'no image', charge: 'unknown' } as JobError);
    const state = review ? 'needs_review' : 'failed';
    rt.store.updateJob(jobId, { state, costMicros: cost, finishedAt, error });
    const view = toView(rt, { ...job, state, costMicros: cost, finishedAt, error }, tasks);
    rt.emit(state === 'failed' ? { type: 'failed', job: view, error } : { type: 'needs_review', job: view });
    rt.logger.info({ jobId, state, code: error.code, cost }, 'job ended without an image');
    return;
  }

  if (job.state !== 'ready') rt.store.updateJob(jobId, { state: 'ready', costMicros: cost, finishedAt });
  const sink = rt.sinks.get(job.origin.platform);
  if (!sink || rt.stopping || rt.delivering.has(jobId)) return; // Kept ready: delivered later or after a restart.
  const view = toView(rt, { ...job, state: 'ready', costMicros: cost, finishedAt }, tasks);
  rt.delivering.add(jobId);
  try {
    await sink.handle({ type: 'ready', job: view, images });
    rt.store.transaction(() => {
      rt.store.updateJob(jobId, { state: 'delivered' });
      rt.store.dropImages(jobId);
    });
    deliveryRetries.delete(jobId);
    rt.logger.info({ jobId, cost, images: images.length }, 'job delivered');
  } catch (err) {
    const attempt = deliveryRetries.get(jobId) ?? 0;
    const delay = RETRY_DELAYS_MS[attempt];
    rt.logger.warn(
      { err, jobId, attempt },
      delay === undefined ? 'delivery failed; kept for the next start' : 'delivery failed; will retry',
    );
    if (delay !== undefined && !rt.stopping) {
      deliveryRetries.set(jobId, attempt + 1);
      setTimeout(() => void deliverJob(rt, jobId), delay).unref();
    } else deliveryRetries.delete(jobId);
  } finally {
    rt.delivering.delete(jobId);
  }
}
