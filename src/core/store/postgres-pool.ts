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

/** Statement texts named so far, and the most this process names (the rest stay unnamed). */
const names = new Map<string, string>();
const MAX_NAMED = 500;

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `flux_${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

/**
 * A client whose parameterised statements are prepared once per connection (named statements): later
 * runs send only Bind and Execute, and Postgres skips parsing and planning them again. The store's
 * statements come from a small set of texts (a few per filter shape), so a name per distinct text stays
 * bounded; past MAX_NAMED distinct texts a statement is sent unnamed, as pg does by default.
 */
class PreparingClient extends pg.Client {}
const plainQuery = pg.Client.prototype.query;
Object.defineProperty(PreparingClient.prototype, 'query', {
  value: function query(this: pg.Client, config: unknown, values?: unknown, callback?: unknown) {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = nameOf(config);
      if (name)
        return (plainQuery as (...a: unknown[]) => unknown).call(
          this,
          { name, text: config, values },
          callback,
        );
    }
    return (plainQuery as (...a: unknown[]) => unknown).call(this, config, values, callback);
  },
});

export function createPool(url: string, max: number, logger: Logger): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types,
    connectionTimeoutMillis: 10_000,
    Client: PreparingClient,
  });
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
