/**
 * DATA_DIR before the store opens: made if missing, proven writable, and held by one process only.
 *
 * Node's `mkdirSync(…, { recursive: true })` spins forever on a procfs path (`/proc/…` answers ENOENT
 * for a child that cannot exist, the parent answers EEXIST, and the walk retries without end): that was
 * the core spinning for half an hour with no output. So the walk here is ours, one plain mkdir a level.
 *
 * The lock is SQLite's own exclusive lock on a small `<name>.lock` file: an fcntl lock the kernel drops
 * when the process dies, even by SIGKILL, so no stale lock ever blocks the next start, and pid reuse
 * (a container restarting with the same pid) cannot fool it as a pid file would. A locked file cannot be
 * read by another process, so the holder's pid goes in a plain `<name>.pid` beside it, for the message.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** DATA_DIR cannot hold the database, or another process holds it. The message names the directory. */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Makes `dir` (and missing parents) and proves a file can be written and synced in it. */
export function prepareDataDir(dir: string): void {
  const path = resolve(dir);
  const missing: string[] = [];
  for (let p = path; !existsSync(p); p = dirname(p)) {
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing) {
    try {
      mkdirSync(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new DataDirError(`DATA_DIR ${dir} cannot be created: ${reason(err)}`);
    }
  }
  if (!statSync(path).isDirectory()) throw new DataDirError(`DATA_DIR ${dir} is not a directory`);
  const probe = join(path, `.write-test-${process.pid}`);
  try {
    const fd = openSync(probe, 'w');
    try {
      writeSync(fd, 'flux-bot');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new DataDirError(
      `DATA_DIR ${dir} is not writable (the database needs a real, writable directory): ${reason(err)}`,
    );
  } finally {
    rmSync(probe, { force: true });
  }
}

export interface DataDirLock {
  release(): void;
}

/** Takes `<dir>/<name>.lock` for this process, or throws naming the directory and the holder's pid. */
export function lockDataDir(dir: string, name: string): DataDirLock {
  const lockPath = join(dir, `${name}.lock`);
  const pidPath = join(dir, `${name}.pid`);
  const db = new Database(lockPath, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; EXCLUSIVE mode keeps it until the connection closes.
    db.exec('CREATE TABLE IF NOT EXISTS held (pid INTEGER); DELETE FROM held;');
    db.prepare('INSERT INTO held (pid) VALUES (?)').run(process.pid);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY')
      throw new DataDirError(`DATA_DIR ${dir}: cannot take the lock ${lockPath}: ${reason(err)}`);
    throw new DataDirError(
      `DATA_DIR ${dir} is in use by another flux-bot process (pid ${holder(pidPath)}); ` +
        'one process per DATA_DIR (stop it, or give this one its own DATA_DIR)',
    );
  }
  const tmp = `${pidPath}.${process.pid}`;
  writeFileSync(tmp, `${process.pid}\n`);
  renameSync(tmp, pidPath);
  return {
    release() {
      if (!db.open) return;
      if (holder(pidPath) === String(process.pid)) rmSync(pidPath, { force: true });
      db.close();
    },
  };
}

function holder(pidPath: string): string {
  try {
    return readFileSync(pidPath, 'utf8').trim() || 'unknown';
  } catch {
    return 'unknown'; // The holder is between taking the lock and writing its pid.
  }
}
