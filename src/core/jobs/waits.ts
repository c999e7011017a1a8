/**
 * Provider tasks this process is waiting for, by provider task id: a webhook wakes a wait early, stop
 * aborts them all. A wake that comes before the poller listens is kept for it, not lost.
 */
import { FluxError } from '../errors.ts';

export interface Wait {
  /** Aborted when the service stops. */
  readonly signal: AbortSignal;
  /** The poller listens: `wake` makes it look now — at once when a wake already came. */
  listen(wake: () => void): void;
  /** The wait is over (result, failure or stop). */
  close(): void;
}

export interface Waits {
  open(providerTaskId: string): Wait;
  /** False when this process is not waiting for that task. */
  wake(providerTaskId: string): boolean;
  /** Aborts every wait: the tasks stay `submitted` in the store and resume at the next start. */
  stopAll(): void;
}

interface Entry {
  controller: AbortController;
  wake?: () => void;
  wokenEarly?: boolean;
}

export function createWaits(): Waits {
  const entries = new Map<string, Entry>();
  return {
    open(providerTaskId) {
      const entry: Entry = { controller: new AbortController() };
      entries.set(providerTaskId, entry);
      return {
        signal: entry.controller.signal,
        listen(wake) {
          entry.wake = wake;
          if (entry.wokenEarly) wake();
        },
        close: () => entries.delete(providerTaskId),
      };
    },
    wake(providerTaskId) {
      const entry = entries.get(providerTaskId);
      if (!entry) return false;
      if (entry.wake) entry.wake();
      else entry.wokenEarly = true;
      return true;
    },
    stopAll() {
      for (const entry of entries.values())
        entry.controller.abort(new FluxError('SHUTTING_DOWN', 'stopping'));
    },
  };
}
