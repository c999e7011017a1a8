/**
 * One image from submit to bytes, inside a scheduler slot. `submitting` is stored before the POST so a
 * crash mid-submit is visible; the provider's answer is stored before waiting so a restart can wait for
 * the same task instead of paying for a new one.
 */
import { type FluxError, ProviderError, toFluxError } from '../errors.ts';
import type { JobError } from '../job-types.ts';
import { estimateImage } from '../pricing.ts';
import { sleep } from '../providers/sleep.ts';
import type { SubmittedTask } from '../providers/types.ts';
import { deliverJob, type JobRuntime, toView } from './runtime.ts';

/** Longest we keep retrying 429s (another app holding the account's slots) before giving up. */
const RATE_LIMIT_PATIENCE_MS = 15 * 60_000;

export async function runTask(rt: JobRuntime, jobId: string, index: number): Promise<void> {
  const job = rt.store.getJob(jobId);
  if (!job || job.state === 'cancelled' || rt.stopping) return;
  const log = rt.logger.child({ jobId, task: index, platform: job.origin.platform });
  if (job.state === 'queued') {
    const startedAt = Date.now();
    rt.store.updateJob(jobId, { state: 'running', startedAt });
    rt.emit({ type: 'started', job: toView(rt, { ...job, state: 'running', startedAt }) });
  }
  const seed = (job.request.seed + index) % 2 ** 32;
  const spec = { request: job.request, seed, user: rt.userHash(job.origin.platform, job.origin.userId) };
  const firstTry = Date.now();
  let submitted: SubmittedTask | undefined;
  for (let attempt = 0; !submitted; attempt++) {
    rt.store.updateTask(jobId, index, { state: 'submitting' });
    try {
      submitted = await rt.provider.submit(spec);
    } catch (err) {
      const e = toFluxError(err);
      if (
        e.code === 'PROVIDER_RATE_LIMITED' &&
        !rt.stopping &&
        Date.now() - firstTry < RATE_LIMIT_PATIENCE_MS
      ) {
        // Not billed. Another app on the key holds slots: hold back everyone, keep our place, try again.
        const wait = retryDelay(e, attempt);
        rt.store.updateTask(jobId, index, { state: 'queued' });
        rt.scheduler.pause(wait);
        log.warn({ wait, attempt }, 'provider busy (429); retrying');
        await sleep(wait);
        continue;
      }
      if (e.code === 'PROVIDER_OUT_OF_CREDITS') rt.scheduler.pause(30_000);
      if (e.code === 'PROVIDER_RATE_LIMITED' && rt.stopping) {
        rt.store.updateTask(jobId, index, { state: 'queued' });
        return;
      }
      log.warn({ code: e.code, charge: e.charge }, 'submit failed');
      failTask(rt, jobId, index, e);
      settle(rt, jobId);
      return;
    }
  }
  rt.store.updateTask(jobId, index, { state: 'submitted', submitted });
  log.debug({ providerTask: submitted.taskId }, 'submitted');
  if (rt.stopping) return;
  await waitTask(rt, jobId, index, submitted);
}

export async function waitTask(
  rt: JobRuntime,
  jobId: string,
  index: number,
  submitted: SubmittedTask,
): Promise<void> {
  const job = rt.store.getJob(jobId);
  if (!job) return;
  const controller = new AbortController();
  const entry: { controller: AbortController; wake?: () => void } = { controller };
  rt.waits.set(submitted.taskId, entry);
  let lastProgress = 0;
  try {
    const result = await rt.provider.waitForResult(submitted, {
      signal: controller.signal,
      expectedMs: rt.latency.expected(job.request.model),
      onWake: (wake) => {
        entry.wake = wake;
      },
      onProgress: (update) => {
        // The card shows seconds; more than one update a second is noise.
        const now = Date.now();
        if (now - lastProgress < 1_000) return;
        lastProgress = now;
        const current = rt.store.getJob(jobId);
        if (current) rt.emit({ type: 'progress', job: toView(rt, current), ...update });
      },
    });
    if (result.generationMs !== undefined) rt.latency.observe(job.request.model, result.generationMs);
    const cost = result.costMicros ?? submitted.costMicros;
    rt.store.updateTask(jobId, index, {
      state: 'ready',
      image: { data: result.data, contentType: result.contentType },
      costMicros: cost ?? estimateImage(job.request, rt.prices),
      costEstimated: cost === undefined,
    });
  } catch (err) {
    if (controller.signal.aborted) return; // Stopping: the task stays `submitted` and resumes next start.
    const e = toFluxError(err);
    rt.logger.warn({ jobId, task: index, code: e.code, charge: e.charge }, 'task failed');
    failTask(rt, jobId, index, e);
  } finally {
    rt.waits.delete(submitted.taskId);
  }
  settle(rt, jobId);
}

/**
 * The provider slot is free once the task is terminal: delivery (uploads to Discord or Slack, which have
 * their own rate limits) runs outside it, so a slow platform never holds back generation.
 */
function settle(rt: JobRuntime, jobId: string): void {
  deliverJob(rt, jobId).catch((err: unknown) => rt.logger.error({ err, jobId }, 'settling a job failed'));
}

function failTask(rt: JobRuntime, jobId: string, index: number, e: FluxError): void {
  const job = rt.store.getJob(jobId);
  const error: JobError = { code: e.code, message: e.message, charge: e.charge };
  if (e instanceof ProviderError && e.detail) error.detail = e.detail;
  // Moderated and refused tasks cost nothing; when we cannot tell, the estimate stands, marked as such.
  const cost = e.charge === 'none' || !job ? 0 : estimateImage(job.request, rt.prices);
  rt.store.updateTask(jobId, index, {
    state: 'failed',
    error,
    costMicros: cost,
    costEstimated: e.charge !== 'none',
  });
}

function retryDelay(e: FluxError, attempt: number): number {
  const after = e instanceof ProviderError ? e.retryAfter : undefined;
  if (after !== undefined) return Math.min(60_000, Math.max(250, after * 1000));
  return Math.min(30_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
}
