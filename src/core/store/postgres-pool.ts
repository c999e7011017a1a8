/**
 * The node-postgres pool as the store uses it: money and times as numbers, a dropped idle connection
 * logged rather than fatal, and transactions that never hand a broken connection back for reuse.
 */
import pg, { type CustomTypesConfig, type Pool, type PoolClient } from 'pg';
import type { Logger } from '../logger.ts';

const INT8 = 20;

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer ${text} is beyond 2^53`);
  return n;
}

/**
 * BIGINT (money, times, counts) arrives as text by default, since it may exceed 2^53. Ours never do —
 * 2^53 micros is nine billion dollars — so it becomes a number, and a value past that fails loudly
 * instead of losing digits. Set per pool, not on pg's global parsers, so no other user of pg changes.
 */
const types: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

export function createPool(url: string, max: number, logger: Logger): Pool {
  const pool = new pg.Pool({ connectionString: url, max, types, connectionTimeoutMillis: 10_000 });
  // An idle connection dropped by the server is replaced on next use; unhandled, it would end the process.
  pool.on('error', (err) => logger.warn({ err }, 'idle store connection lost'));
  return pool;
}

/**
 * One transaction on one connection; rolled back when `fn` throws (a BudgetError, say). `begin` opens it
 * (BEGIN, or BEGIN and statements without parameters sent with it: one round trip for both).
 */
export async function inTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  begin: (client: PoolClient) => string = () => 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin(client));
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e; // The connection is in an unknown state: not given back to the pool.
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
