/**
 * Sleeps that end early on abort (rejecting with the signal's reason) or when woken (resolving): a
 * webhook or a shutdown must not wait out a poll interval.
 */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  onWakeable?: (wake: () => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', abort, { once: true });
    onWakeable?.(done);
  });
}

export interface Waker {
  /** Ends the current sleep now; a wake that comes while awake makes the next sleep return at once. */
  wake(): void;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** One poller's sleeps: a wake is never lost, even when it arrives mid-request rather than mid-sleep. */
export function createWaker(): Waker {
  let pending = false;
  let current: (() => void) | undefined;
  return {
    wake() {
      if (current) current();
      else pending = true;
    },
    async sleep(ms, signal) {
      if (pending) {
        pending = false;
        if (signal?.aborted) throw signal.reason;
        return;
      }
      try {
        await sleep(ms, signal, (done) => {
          current = done;
        });
      } finally {
        current = undefined;
      }
    },
  };
}
