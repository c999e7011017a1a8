/**
 * Folds finished jobs past the history window into daily totals, at start and every few hours, so the
 * store does not grow forever (AsyncStore.foldHistory). Returns the function that stops it.
 */
import type { Logger } from '../logger.ts';
import type { AsyncStore } from './port.ts';

const FOLD_EVERY_MS = 6 * 3600_000;

export function startHistoryFolding(
  store: Pick<AsyncStore, 'foldHistory'>,
  historyDays: number,
  logger: Logger,
): () => void {
  let folding = false;
  const fold = async () => {
    // A fold that outlasts the interval (a slow database) is not started twice.
    if (folding) return;
    folding = true;
    try {
      const folded = await store.foldHistory(historyDays);
      if (folded) logger.info({ folded, historyDays }, 'old jobs folded into daily totals');
    } catch (err) {
      logger.warn({ err }, 'folding old jobs failed; will try again');
    } finally {
      folding = false;
    }
  };
  void fold();
  const timer = setInterval(fold, FOLD_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
