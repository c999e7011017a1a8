/**
 * The job locks across processes (distributed mode): Postgres advisory locks, taken with the BEGIN in
 * one round trip. Two lock sets on one database stand for two processes. Needs a server at PG_TEST_URL;
 * without one the suite is skipped loudly, and under CI=true it fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.ts';
import { createAdvisoryLocks, type KeyedLocks } from '../../../src/core/store/postgres-locks.ts';
import { admin, freshDatabase, postgresMissing } from './postgres-db.ts';

const ci = process.env.CI === 'true';
const missing = await postgresMissing('the Postgres job locks');

/** A promise with its resolve, to hold a lock until the test lets it go. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe.skipIf(missing !== undefined && !ci)('job locks across processes (Postgres)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  async function twoProcesses(): Promise<[KeyedLocks, KeyedLocks, string]> {
    const db = await freshDatabase();
    cleanup.push(db.drop);
    const a = createAdvisoryLocks(db.url, silentLogger(), 2);
    const b = createAdvisoryLocks(db.url, silentLogger(), 2);
    cleanup.push(
      () => a.close(),
      () => b.close(),
    );
    return [a, b, db.url];
  }
  /** Resolves once some connection waits for an advisory lock (a second holder is queued behind one). */
  async function someoneWaits(url: string): Promise<void> {
    for (;;) {
      const waiting = await admin(async (c) => {
        const { rows } = await c.query(
          "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        );
        return rows[0].n as number;
      }, url);
      if (waiting > 0) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('holds a key against the other process until the holder ends, and not other keys', async () => {
    const [a, b, url] = await twoProcesses();
    // A key with quotes and a backslash: the lock is named by an escaped literal, never raw text.
    const key = `job'1\\"; SELECT 1; --`;
    const held = gate();
    const order: string[] = [];
    const first = a.run(key, async () => {
      order.push('a');
      await held.opened;
      order.push('a done');
    });
    await new Promise<void>((resolve) => {
      const poll = () => (order.length ? resolve() : setImmediate(poll));
      poll();
    });
    // The lock taken is the one the key names as a parameter (a bigint lock: its halves in classid, objid).
    const locked = await admin(async (c) => {
      const { rows } = await c.query(
        "SELECT count(*)::int AS n FROM pg_locks, (SELECT hashtextextended($1, 0) AS k) h WHERE locktype = 'advisory'" +
          ' AND granted AND objsubid = 1 AND classid::text::bigint = ((h.k >> 32) & 4294967295)' +
          ' AND objid::text::bigint = (h.k & 4294967295)',
        [`flux-job:${key}`],
      );
      return rows[0].n as number;
    }, url);
    expect(locked).toBe(1);
    const second = b.run(key, async () => void order.push('b'));
    await b.run('another job', async () => void order.push('other'));
    await someoneWaits(url);
    expect(order).toEqual(['a', 'other']);
    held.open();
    await Promise.all([first, second]);
    expect(order).toEqual(['a', 'other', 'a done', 'b']);
  });

  it('lets the key go when the holder fails, rejecting with its error', async () => {
    const [a, b] = await twoProcesses();
    await expect(
      a.run('j1', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(b.run('j1', async () => 'next')).resolves.toBe('next');
  });
});
