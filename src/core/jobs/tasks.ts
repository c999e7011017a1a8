/**
 * One image from submit to bytes, inside a scheduler slot. `submitting` is stored before the POST so a
 * crash mid-submit is visible; the provider's answer is stored before waiting so a restart can wait for
 * the same task instead of paying for a new one.
 */
import { FluxError, ProviderError, toFluxError } from '../errors.ts';
import type { JobError } from '../job-types.ts';
import { estimateImage } from '../pricing.ts';
import { sleep } from '../providers/sleep.ts';
import type { SubmittedTask } from '../providers/types.ts';
import { seedAt } from '../request.ts';
import type { JobRow } from '../store/types.ts';
import type { Reopened } from './credits.ts';
import { settle } from './deliver.ts';
import { addPending, type JobRuntime, jobLog, taskKey, toView, userKey } from './runtime.ts';
import { recordSubmitted, writeUntilLanded } from './store-retry.ts';

/** Longest we keep retrying 429s (another app holding the account's slots) before giving up. */
const RATE_LIMIT_PATIENCE_MS = 15 * 60_000;
/** Longest a task keeps its slot waiting for credits before it fails (queued tasks wait in line). */
const OUT_OF_CREDITS_PATIENCE_MS = 30 * 60_000;

/**
 * Puts a task in its user's line; it counts against the user's cap until it is terminal. The line holds
 * ids only (the job is read again when its turn comes), so a long queue never keeps requests — or their
 * reference bytes — in memory.
 */
export function queueTask(rt: JobRuntime, job: JobRow, index: number): void {
  const user = userKey(job.origin.platform, job.origin.userId);
  const jobId = job.id;
  addPending(rt, user, 1);
  rt.scheduler.enqueue(user, taskKey(jobId, index), () =>
    runTask(rt, jobId, index).finally(() => addPending(rt, user, -1)),
  );
}

/** Waits again for a task the provider already has (after a restart): it takes a slot at once. */
export function resumeTask(rt: JobRuntime, job: JobRow, index: number, submitted: SubmittedTask): void {
  const user = userKey(job.origin.platform, job.origin.userId);
  addPending(rt, user, 1);
  rt.scheduler.runNow(taskKey(job.id, index), () =>
    waitTask(rt, job, index, submitted).finally(() => addPending(rt, user, -1)),
  );
}

async function runTask(rt: JobRuntime, jobId: string, index: number): Promise<void> {
  const job = rt.store.getJob(jobId);
  if (!job || job.state === 'cancelled' || rt.stopping) return;
  const log = jobLog(rt, job, { task: index });
  if (!rt.store.health.accepting()) {
    // The database file is gone: what this task would record could not survive a restart, so nothing
    // is spent on it.
    failTask(rt, job, index, new FluxError('STORE_UNAVAILABLE', 'store unavailable; not submitted'));
    settle(rt, jobId);
    return;
  }
  const spec = {
    request: job.request,
    seed: seedAt(job.request, index),
    user: rt.userHash(job.origin.platform, job.origin.userId),
  };
  const firstTry = rt.now();
  /** How the last wait for credits ended, if this task waited for them. */
  let reopened: Reopened | undefined;
  let submitted: SubmittedTask | undefined;
  for (let attempt = 0; !submitted; attempt++) {
    if (attempt === 0 && job.state === 'queued') {
      const startedAt = rt.now();
      rt.store.transaction(() => {
        rt.store.updateJob(jobId, { state: 'running', startedAt });
        rt.store.updateTask(jobId, index, { state: 'submitting' });
      });
      rt.emit({ type: 'started', job: toView(rt, { ...job, state: 'running', startedAt }) });
    } else rt.store.updateTask(jobId, index, { state: 'submitting' });
    try {
      submitted = await rt.provider.submit(spec);
      rt.credits.succeeded();
    } catch (err) {
      const e = toFluxError(err);
      const patient = rt.now() - firstTry < RATE_LIMIT_PATIENCE_MS;
      if (e.code === 'PROVIDER_RATE_LIMITED' && (patient || rt.stopping)) {
        // Not billed. Another app on the key holds slots: keep this slot and place, hold back new
        // submits for the same window, and try again. Stored as queued meanwhile: nothing is in flight.
        rt.store.updateTask(jobId, index, { state: 'queued' });
        if (rt.stopping) return;
        const wait = retryDelay(e, attempt);
        rt.scheduler.pause(wait);
        log.warn({ wait, attempt }, 'provider busy (429); retrying');
        try {
          await sleep(wait, rt.stopSignal);
        } catch {
          return; // Stopping: the task stays queued and runs after the next start.
        }
        continue;
      }
      // Out of credits: not billed. Keep the slot and wait until the account can pay — unless the
      // balance already covered this image when it was let go: then waiting longer would not help.
      if (
        e.code === 'PROVIDER_OUT_OF_CREDITS' &&
        reopened !== 'balance' &&
        rt.now() - firstTry < OUT_OF_CREDITS_PATIENCE_MS
      ) {
        rt.store.updateTask(jobId, index, { state: 'queued' });
        if (rt.stopping) return;
        const current = rt.store.getJob(jobId);
        if (current) rt.emit({ type: 'waiting', job: toView(rt, current), reason: 'out_of_credits' });
        try {
          reopened = await rt.credits.refused(estimateImage(job.request, rt.prices), rt.stopSignal);
        } catch {
          return; // Stopping: the task stays queued and runs after the next start.
        }
        log.info({ reopened }, 'credits back; submitting again');
        continue;
      }
      log.warn({ code: e.code, charge: e.charge }, 'submit failed');
      failTask(rt, job, index, e);
      settle(rt, jobId);
      return;
    }
  }
  if (reopened) {
    // The card said it was waiting for credits: it is generating now.
    const current = rt.store.getJob(jobId);
    if (current) rt.emit({ type: 'progress', job: toView(rt, current), status: 'submitted' });
  }
  // Paid from here on: if the disk refuses this write, the ids stay in memory, polling goes on and the
  // write is retried until it lands.
  recordSubmitted(rt, jobId, index, submitted).catch((err: unknown) =>
    log.error({ err, providerTask: submitted.taskId }, 'could not record the submitted task'),
  );
  log.debug({ providerTask: submitted.taskId }, 'submitted');
  if (rt.stopping) return;
  await waitTask(rt, job, index, submitted);
}

async function waitTask(rt: JobRuntime, job: JobRow, index: number, submitted: SubmittedTask): Promise<void> {
  if (rt.stopping) return;
  const controller = new AbortController();
  const entry: JobRuntime['waits'] extends Map<string, infer E> ? E : never = { controller };
  rt.waits.set(submitted.taskId, entry);
  let lastProgress = 0;
  let ready: Parameters<JobRuntime['store']['updateTask']>[2] | undefined;
  try {
    const result = await rt.provider.waitForResult(submitted, {
      signal: controller.signal,
      expectedMs: rt.latency.expected(job.request.model),
      estimate: rt.latency.estimate(job.request.model),
      onWake: (wake) => {
        entry.wake = wake;
        // A webhook that came before the poller was listening is not lost.
        if (entry.wokenEarly) wake();
      },
      onProgress: (update) => {
        // The card shows seconds; more than one update a second is noise.
        const now = rt.now();
        if (now - lastProgress < 1_000) return;
        lastProgress = now;
        const current = rt.store.getJob(job.id);
        if (current) rt.emit({ type: 'progress', job: toView(rt, current), ...update });
      },
    });
    if (result.generationMs !== undefined)
      rt.latency.observe(job.request.model, result.generationMs, result.generationAfterMs);
    const cost = result.costMicros ?? submitted.costMicros;
    ready = {
      state: 'ready',
      image: { data: result.data, contentType: result.contentType },
      costMicros: cost ?? estimateImage(job.request, rt.prices),
      costEstimated: cost === undefined,
    };
  } catch (err) {
    if (controller.signal.aborted) return; // Stopping: the task stays `submitted` and resumes next start.
    const e = toFluxError(err);
    jobLog(rt, job, { task: index }).warn({ code: e.code, charge: e.charge }, 'task failed');
    failTask(rt, job, index, e);
  } finally {
    rt.waits.delete(submitted.taskId);
  }
  // The bytes go to the store once and this process drops them; delivery reads them back. A full disk
  // holds them here until the write lands; a stop first leaves the task to resume at the next start.
  const patch = ready;
  if (patch && !(await writeUntilLanded(rt, () => rt.store.updateTask(job.id, index, patch)))) return;
  settle(rt, job.id);
}

function failTask(rt: JobRuntime, job: JobRow, index: number, e: FluxError): void {
  const error: JobError = { code: e.code, message: e.message, charge: e.charge };
  if (e instanceof ProviderError && e.detail) error.detail = e.detail;
  // Moderated and refused tasks cost nothing; when we cannot tell, the estimate stands, marked as such.
  const free = e.charge === 'none';
  rt.store.updateTask(job.id, index, {
    state: 'failed',
    error,
    costMicros: free ? 0 : estimateImage(job.request, rt.prices),
    costEstimated: !free,
  });
}

function retryDelay(e: FluxError, attempt: number): number {
  const after = e instanceof ProviderError ? e.retryAfter : undefined;
  if (after !== undefined) return Math.min(60_000, Math.max(250, after * 1000));
  return Math.min(30_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
}
