/**
 * One change of a job at a time across every process sharing the Postgres store: a transaction-scoped
 * advisory lock on the job id, held while the change runs. A process that dies mid-change drops its
 * connection and with it the lock. The locks have their own few connections: a change holding a lock
 * reads and writes through the store's pool, so waiting for a lock never starves the work that would
 * release it.
 */
import type { Logger } from '../logger.ts';
import { createPool, inTransaction } from './postgres-pool.ts';

export interface KeyedLocks {
  /** Runs `fn` while no other process runs one for `key`; resolves or rejects with it. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createAdvisoryLocks(url: string, logger: Logger, connections = 4): KeyedLocks {
  const pool = createPool(url, connections, logger);
  return {
    run: (key, fn) =>
      inTransaction(
        pool,
        () => fn(),
        // Sent with the BEGIN as one simple query (which takes no parameters, hence the escaped literal):
        // a lock costs two round trips, not three. Namespaced so the migrations' own advisory lock can
        // never collide with a job's.
        (client) =>
          `BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(${client.escapeLiteral(`flux-job:${key}`)}, 0))`,
      ),
    close: () => pool.end(),
  };
}
