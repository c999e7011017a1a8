/**
 * The real Postgres the distributed tests need: a database of their own for each test, created on the
 * server at PG_TEST_URL (default postgres://postgres@127.0.0.1:5432/test) and dropped after. Without a
 * server a suite is skipped loudly — unless CI=true, where a missing Postgres is a failure.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Undefined when the server answers; otherwise why not, said loudly once (`what` is the suite skipped). */
export async function postgresMissing(what: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3_000 });
  let missing: unknown;
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    missing = err;
  } finally {
    await client.end().catch(() => undefined);
  }
  if (missing && process.env.CI !== 'true')
    console.warn(
      `\n*** SKIPPED: ${what}. No Postgres at ${ADMIN_URL} (${String(missing)}).\n` +
        '*** Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
        '*** (or set PG_TEST_URL). With CI=true a missing Postgres fails the run.\n',
    );
  return missing;
}

export async function admin<T>(fn: (client: pg.Client) => Promise<T>, url = ADMIN_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Drops it, ending whatever still holds a connection. */
  drop(): Promise<void>;
}

/** A new empty database, its name `<prefix>_` and a random part. */
export async function freshDatabase(prefix = 'flux_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
