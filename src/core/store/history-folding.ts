/**
 * Folds finished jobs past the history window into daily totals, at start and every few hours, so the
 * store does not grow forever (Store.foldHistory). Returns the function that stops it.
 */
import type { Logger } from '../logger.ts';
import type { Store } from './types.ts';

const FOLD_EVERY_MS = 6 * 3600_000;

export function startHistoryFolding(
  store: Pick<Store, 'foldHistory'>,
  historyDays: number,
  logger: Logger,
): () => void {
  const fold = () => {
    try {
      const folded = store.foldHistory(historyDays);
      if (folded) logger.info({ folded, historyDays }, 'old jobs folded into daily totals');
    } catch (err) {
      logger.warn({ err }, 'folding old jobs failed; will try again');
    }
  };
  fold();
  const timer = setInterval(fold, FOLD_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
