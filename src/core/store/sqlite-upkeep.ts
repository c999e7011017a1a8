/**
 * Keeping the SQLite file honest while the bot runs: free pages go back to the disk (images are
 * megabytes each, dropped once delivered), and a database file removed or replaced under the process is
 * noticed. Without the check, the bot writes on into an unlinked inode and loses every job at the next
 * restart; with it, the store reports the problem and refuses new work.
 */
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { Logger } from '../logger.ts';
import type { StoreHealth } from './health.ts';

/**
 * Turns on incremental auto-vacuum. A new file takes it before its first table; a file made before
 * needs one VACUUM to convert (rewrites the file once; needs free space about its size). If that fails
 * (a full disk), the file works as before and the next start tries again.
 */
export function useIncrementalVacuum(db: Database.Database, logger: Logger): void {
  if (db.pragma('auto_vacuum', { simple: true }) === 2) return;
  db.pragma('auto_vacuum = INCREMENTAL');
  const hasTables = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' LIMIT 1").get();
  if (!hasTables) return;
  try {
    db.exec('VACUUM');
  } catch (err) {
    logger.warn({ err }, 'could not convert the store to incremental vacuum; will try at the next start');
  }
}

/** Every `everyMs`: is the file still ours, and give its free pages back. Returns the stop function. */
export function startUpkeep(
  db: Database.Database,
  path: string,
  health: StoreHealth,
  everyMs: number,
): () => void {
  const opened = statSync(path);
  const tick = () => {
    const now = statSync(path, { throwIfNoEntry: false });
    if (!now || now.ino !== opened.ino || now.dev !== opened.dev) {
      health.report('file_removed', new Error(`the database file ${path} was removed or replaced`));
      return; // Vacuuming an unlinked file would only hide the problem.
    }
    try {
      if ((db.pragma('freelist_count', { simple: true }) as number) === 0) return;
      db.pragma('incremental_vacuum');
      // In WAL mode the main file is cut to size when the pages reach it: at a checkpoint.
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or a full disk: the pages stay free and the next tick tries again.
    }
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
