/**
 * A sleep that ends early on abort (rejecting with the signal's reason) or when woken (resolving): a
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
