/**
 * Store writes that must land after money was spent. A full disk must not lose a paid task: what the
 * write carries stays in memory, the work goes on, and the write is tried again until the disk frees
 * (the store's health reports it meanwhile, logged once). Other errors are bugs and are thrown.
 */
import { sleep } from '../providers/sleep.ts';
import type { SubmittedTask } from '../providers/types.ts';
import { isDiskError, type StoreHealth } from '../store/health.ts';
import type { AsyncStore } from '../store/port.ts';

/** Backoff between tries; a test may shorten it. */
export const storeRetry = { firstMs: 500, maxMs: 30_000 };

/**
 * Runs `write` until it lands: true once written, false when the service stopped first (after one
 * last try, so a graceful stop still records what it can).
 */
export async function writeUntilLanded(
  health: StoreHealth,
  stopSignal: AbortSignal,
  write: () => Promise<void>,
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await write();
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
 * Records the provider's answer. `tried` resolves once the first write has landed or failed: the wait
 * for the image starts only then, so the image's own write cannot overtake it. A retry may land after
 * the task moved on (the image already stored): then only the provider ids are added, never the state
 * set back. `landed` is the write's end, as writeUntilLanded's.
 */
export function recordSubmitted(
  store: Pick<AsyncStore, 'health' | 'updateTask' | 'write'>,
  stopSignal: AbortSignal,
  jobId: string,
  index: number,
  submitted: SubmittedTask,
): { tried: Promise<void>; landed: Promise<boolean> } {
  let first = true;
  let tried = () => {};
  const firstTry = new Promise<void>((resolve) => {
    tried = resolve;
  });
  const landed = writeUntilLanded(store.health, stopSignal, async () => {
    if (first) {
      first = false;
      try {
        await store.updateTask(jobId, index, { state: 'submitted', submitted });
      } finally {
        tried();
      }
      return;
    }
    await store.write([
      { kind: 'task', jobId, index, ifState: 'submitting', patch: { state: 'submitted', submitted } },
      { kind: 'task', jobId, index, patch: { submitted } },
    ]);
  });
  return { tried: firstTry, landed };
}
