/**
 * The store contract on Postgres (distributed mode), each test in a database of its own, plus what only
 * Postgres has: the migrations table, and a server that drops connections. Needs a server at
 * PG_TEST_URL (default postgres://postgres@127.0.0.1:5432/test); without one the suite is skipped
 * loudly, and under CI=true it fails.
 */
import { connect, createServer, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.ts';
import { createPostgresStore } from '../../../src/core/store/postgres.ts';
import { createPool } from '../../../src/core/store/postgres-pool.ts';
import { PG_SCHEMA_VERSION } from '../../../src/core/store/postgres-schema.ts';
import { job, NOW, storeContract, task } from './contract.ts';
import { freshDatabase, postgresMissing } from './postgres-db.ts';

const ci = process.env.CI === 'true';
const missing = await postgresMissing('the Postgres store contract');

/** A TCP hop in front of the server that can be cut (sockets dropped, port closed) and restored. */
async function tcpProxy(target: URL) {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(Number(target.port || 5432), target.hostname);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  const listen = (port: number) =>
    new Promise<number>((resolve) =>
      server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  const port = await listen(0);
  const url = new URL(target.toString());
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    cut: stop,
    restore: () => listen(port).then(() => undefined),
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}

describe.skipIf(missing !== undefined && !ci)('the store contract on Postgres (distributed mode)', () => {
  it('has a Postgres server to run against', () => {
    // Under CI a missing server fails here instead of skipping the contract unnoticed.
    expect(missing).toBeUndefined();
  });

  describe('the contract', () => {
    storeContract({
      async fresh() {
        const db = await freshDatabase();
        return { open: () => createPostgresStore(db.url, { maxConnections: 5 }), drop: db.drop };
      },
    });
  });

  describe('beyond the contract', () => {
    const cleanup: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const c of cleanup.splice(0).reverse()) await c();
    });
    async function database() {
      const db = await freshDatabase();
      cleanup.push(db.drop);
      return db;
    }
    async function open(url: string) {
      const store = await createPostgresStore(url, { maxConnections: 3 });
      cleanup.push(() => store.close());
      return store;
    }

    it('records each migration once when five processes start together', async () => {
      const db = await database();
      await Promise.all(Array.from({ length: 5 }, () => open(db.url)));
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query('SELECT version FROM schema_migrations ORDER BY version');
      await client.end();
      expect(rows.map((r) => r.version)).toEqual(Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1));
    });

    it('refuses a database migrated by a newer program instead of guessing at its schema', async () => {
      const db = await database();
      const store = await open(db.url);
      await store.close();
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [PG_SCHEMA_VERSION + 1]);
      await client.end();
      await expect(createPostgresStore(db.url)).rejects.toThrow(/newer/);
    });

    it('reports STORE_UNAVAILABLE while the server cannot be reached, and recovers after', async () => {
      const db = await database();
      const proxy = await tcpProxy(new URL(db.url));
      cleanup.push(proxy.close);
      const store = await open(proxy.url);
      await store.insertJob(job('j1'), [task('j1', 0)]);
      await proxy.cut();
      await expect(store.getJob('j1')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(store.insertJob(job('j2'), [])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(store.health.problems().map((p) => p.problem)).toEqual(['write_failed']);
      await proxy.restore();
      expect((await store.getJob('j1'))?.id).toBe('j1');
      expect(store.health.problems()).toEqual([]);
    });

    it('prepares a statement with values once per connection and runs it by name after', async () => {
      const pool = createPool((await database()).url, 1, silentLogger());
      cleanup.push(() => pool.end());
      for (const n of [1, 2, 3]) expect((await pool.query('SELECT $1::int AS n', [n])).rows).toEqual([{ n }]);
      // The pool's one connection: its prepared statements are what this session holds.
      const { rows } = await pool.query('SELECT statement FROM pg_prepared_statements');
      expect(rows).toEqual([{ statement: 'SELECT $1::int AS n' }]);
    });

    it('keeps reading jobs after another process adds a column to them (a rolling deploy)', async () => {
      const db = await database();
      const store = await createPostgresStore(db.url, { maxConnections: 1 });
      cleanup.push(() => store.close());
      await store.insertJob(job('j1'), [task('j1', 0)]);
      const reads = async () => [
        (await store.getJob('j1'))?.id,
        (await store.getJobWithTasks('j1'))?.tasks.length,
        (await store.recentJobs({ platform: 'slack', workspaceId: 'T1' }, 5)).length,
        (await store.unfinishedJobs()).length,
        (await store.startTask('j1', 0, NOW))?.job.state,
      ];
      expect(await reads()).toEqual(['j1', 1, 1, 1, 'running']);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      await client.query('ALTER TABLE jobs ADD COLUMN added_later TEXT');
      await client.end();
      expect(await reads()).toEqual(['j1', 1, 1, 1, 'running']);
    });

    it('keeps money past 2^31 exactly as a number', async () => {
      const store = await open((await database()).url);
      await store.insertJob(job('big', { estimateMicros: 5_000_000_000_000, costMicros: 2 ** 40 }), []);
      expect((await store.getJob('big'))?.costMicros).toBe(2 ** 40);
      expect(await store.spent({ platform: 'slack', workspaceId: 'T1' }, 0)).toBe(2 ** 40);
    });
  });
});
