/**
 * What is wrong with the store right now, for `/readyz` and for refusing new work. Each kind of problem
 * is logged once at error level when it starts and once at info when it clears, however many writes
 * hit it in between: a full disk must not turn every poll into a log line.
 */
import { FluxError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export type StoreProblem =
  /** A write failed (disk full, I/O error); it is being retried from memory. */
  | 'write_failed'
  /** The database file was removed or replaced under the running process: writes go nowhere durable. */
  | 'file_removed';

export interface StoreHealth {
  report(problem: StoreProblem, err?: unknown): void;
  clear(problem: StoreProblem): void;
  /** Problems now, with the first error's message. Empty when the store is fine. */
  problems(): Array<{ problem: StoreProblem; since: number; error?: string }>;
  /** False while new work would not be durable: the file is gone, so nothing new is accepted. */
  accepting(): boolean;
}

export function createStoreHealth(logger: Logger, now: () => number = Date.now): StoreHealth {
  const active = new Map<StoreProblem, { since: number; error?: string }>();
  return {
    report(problem, err) {
      if (active.has(problem)) return;
      const error = err instanceof Error ? err.message : err === undefined ? undefined : String(err);
      active.set(problem, error === undefined ? { since: now() } : { since: now(), error });
      logger.error({ err, problem }, `store problem: ${problem}`);
    },
    clear(problem) {
      if (active.delete(problem)) logger.info({ problem }, 'store problem cleared');
    },
    problems() {
      return [...active].map(([problem, p]) => ({ problem, ...p }));
    },
    accepting() {
      return !active.has('file_removed');
    },
  };
}

/** SQLite result codes that mean the disk, not the data: retrying later can succeed. */
const DISK = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED)/;

/** True when a store write failed because of the disk (full, I/O error, read-only), not a bug. */
export function isDiskError(err: unknown): boolean {
  if (err instanceof FluxError) return err.code === 'STORE_UNAVAILABLE';
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && DISK.test(code);
}
