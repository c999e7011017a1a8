/**
 * A task's submit, with the patience a slot may spend on it: a 429 (another app on the key holds slots)
 * is waited out for up to 15 minutes, an empty account for up to 30 — the slot and the place are kept,
 * nothing is billed, and the task is stored as queued meanwhile. Any other refusal fails the task.
 */
import { type FluxError, ProviderError, toFluxError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { estimateImage } from '../pricing.ts';
import { sleep } from '../providers/sleep.ts';
import type { SubmittedTask } from '../providers/types.ts';
import { seedAt } from '../size-and-seed.ts';
import type { JobRow } from '../store/types.ts';
import type { Reopened } from './credits.ts';
import type { createTaskSteps } from './task-steps.ts';
import type { TaskRunnerDeps } from './tasks.ts';

/** Longest we keep retrying 429s (another app holding the account's slots) before giving up. */
const RATE_LIMIT_PATIENCE_MS = 15 * 60_000;
/** Longest a task keeps its slot waiting for credits before it fails (queued tasks wait in line). */
const OUT_OF_CREDITS_PATIENCE_MS = 30 * 60_000;

/**
 * Submitted (and whether it waited for credits first); 'stopped': the service is stopping and the task
 * stays queued for the next start; 'failed': the task is recorded failed (its job still to settle).
 */
export type SubmitOutcome = { submitted: SubmittedTask; reopened?: Reopened } | 'stopped' | 'failed';

export async function submitPatiently(
  deps: Pick<
    TaskRunnerDeps,
    'store' | 'provider' | 'credits' | 'scheduler' | 'prices' | 'userHash' | 'now' | 'stopSignal'
  >,
  steps: ReturnType<typeof createTaskSteps>,
  job: JobRow,
  index: number,
  log: Logger,
): Promise<SubmitOutcome> {
  const { store, stopSignal } = deps;
  const jobId = job.id;
  const spec = {
    request: job.request,
    seed: seedAt(job.request, index),
    user: deps.userHash(job.origin.platform, job.origin.userId),
  };
  const firstTry = deps.now();
  /** How the last wait for credits ended, if this task waited for them. */
  let reopened: Reopened | undefined;
  let submitted: SubmittedTask | undefined;
  for (let attempt = 0; !submitted; attempt++) {
    if (attempt === 0 && job.state === 'queued') await steps.start(job, index);
    else await store.updateTask(jobId, index, { state: 'submitting' });
    try {
      submitted = await deps.provider.submit(spec);
      deps.credits.succeeded();
    } catch (err) {
      const e = toFluxError(err);
      const patient = deps.now() - firstTry < RATE_LIMIT_PATIENCE_MS;
      if (e.code === 'PROVIDER_RATE_LIMITED' && (patient || stopSignal.aborted)) {
        // Not billed. Another app on the key holds slots: keep this slot and place, hold back new
        // submits for the same window, and try again. Stored as queued meanwhile: nothing is in flight.
        await store.updateTask(jobId, index, { state: 'queued' });
        if (stopSignal.aborted) return 'stopped';
        const wait = retryDelay(e, attempt);
        deps.scheduler.pause(wait);
        log.warn({ wait, attempt }, 'provider busy (429); retrying');
        try {
          await sleep(wait, stopSignal);
        } catch {
          return 'stopped'; // The task stays queued and runs after the next start.
        }
        continue;
      }
      // Out of credits: not billed. Keep the slot and wait until the account can pay — unless the
      // balance already covered this image when it was let go: then waiting longer would not help.
      if (
        e.code === 'PROVIDER_OUT_OF_CREDITS' &&
        reopened !== 'balance' &&
        deps.now() - firstTry < OUT_OF_CREDITS_PATIENCE_MS
      ) {
        await store.updateTask(jobId, index, { state: 'queued' });
        if (stopSignal.aborted) return 'stopped';
        await steps.tell(jobId, (view) => ({ type: 'waiting', job: view, reason: 'out_of_credits' }));
        try {
          reopened = await deps.credits.refused(estimateImage(job.request, deps.prices), stopSignal);
        } catch {
          return 'stopped'; // The task stays queued and runs after the next start.
        }
        log.info({ reopened }, 'credits back; submitting again');
        continue;
      }
      log.warn({ code: e.code, charge: e.charge }, 'submit failed');
      await steps.failTask(job, index, e);
      return 'failed';
    }
  }
  return reopened ? { submitted, reopened } : { submitted };
}

function retryDelay(e: FluxError, attempt: number): number {
  const after = e instanceof ProviderError ? e.retryAfter : undefined;
  if (after !== undefined) return Math.min(60_000, Math.max(250, after * 1000));
  return Math.min(30_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
}
