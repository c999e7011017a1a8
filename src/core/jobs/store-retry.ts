/**
 * Store writes that must land after money was spent. A full disk must not lose a paid task: what the
 * write carries stays in memory, the work goes on, and the write is tried again until the disk frees
 * (the store's health reports it meanwhile, logged once). Other errors are bugs and are thrown.
 */
import { sleep } from '../providers/sleep.ts';
import type { SubmittedTask } from '../providers/types.ts';
import { isDiskError, type StoreHealth } from '../store/health.ts';
import type { Store } from '../store/types.ts';

/** Backoff between tries; a test may shorten it. */
export const storeRetry = { firstMs: 500, maxMs: 30_000 };

/**
 * Runs `write` until it lands: true once written, false when the service stopped first (after one
 * last try, so a graceful stop still records what it can).
 */
export async function writeUntilLanded(
  health: StoreHealth,
  stopSignal: AbortSignal,
  write: () => void,
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      write();
      if (attempt > 0) health.clear('write_failed');
      return true;
    } catch (err) {
      if (!isDiskError(err)) throw err;
      health.report('write_failed', err);
      if (stopSignal.aborted && attempt > 0) return false;
    }
    try {
      await sleep(Math.min(storeRetry.maxMs, storeRetry.firstMs * 2 ** attempt), stopSignal);
    } catch {
      // Stopping: fall through to the last try.
    }
  }
}

/**
 * Records the provider's answer. A retry may land after the task moved on (the image already stored):
 * then only the provider ids are added, never the state set back.
 */
export function recordSubmitted(
  store: Store,
  stopSignal: AbortSignal,
  jobId: string,
  index: number,
  submitted: SubmittedTask,
): Promise<boolean> {
  let first = true;
  return writeUntilLanded(store.health, stopSignal, () => {
    if (first) {
      first = false;
      store.updateTask(jobId, index, { state: 'submitted', submitted });
      return;
    }
    store.transaction(() => {
      const state = store.getTasks(jobId).find((t) => t.index === index)?.state;
      store.updateTask(
        jobId,
        index,
        state === 'submitting' ? { state: 'submitted', submitted } : { submitted },
      );
    });
  });
}
