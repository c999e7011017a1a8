/**
 * The store failing under paid work (fake provider, our own Store port wrapped): a full disk must not
 * lose a task that was paid for, and a removed database file must stop new spending.
 */
import { unlinkSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeRetry } from '../../src/core/jobs/store-retry.ts';
import type { Store, TaskRow } from '../../src/core/store/types.ts';
import { origin, request } from '../support/core.ts';
import { useHarnesses } from '../support/jobs-harness.ts';
import { captureLogs } from '../support/logs.ts';
import { until } from '../support/until.ts';

const harness = useHarnesses();
const saved = { ...storeRetry };
beforeEach(() => {
  storeRetry.firstMs = 20; // The retry schedule, not its length, is under test.
});
afterEach(() => {
  Object.assign(storeRetry, saved);
});
const klein = (over = {}) => request({ prompt: 'a fox', model: 'klein-4b', ...over });

/** A disk that, while `full`, refuses the writes that carry what a paid task produced. */
function fullDisk() {
  const disk = { full: false, refused: [] as Array<Partial<TaskRow>> };
  const wrap = (real: Store): Store => ({
    ...real,
    updateTask(jobId, index, patch) {
      if (disk.full && (patch.submitted || patch.image)) {
        disk.refused.push(patch);
        throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
      }
      real.updateTask(jobId, index, patch);
    },
  });
  return { disk, wrap };
}

describe('a store in trouble under paid work', () => {
  it('keeps polling a paid task whose polling URL the full disk refused, logs it once, and records and delivers it when the disk frees', async () => {
    const logs = captureLogs();
    const { disk, wrap } = fullDisk();
    const c = harness({ logger: logs.logger, wrapStore: wrap });
    await c.jobs.start();
    disk.full = true;
    const job = await c.jobs.create({ request: klein({ count: 2 }), origin: origin() });

    // Both submits were paid and refused by the disk; their waits go on from memory.
    await c.waitingFor(2);
    expect(c.store.getTasks(job.id).map((t) => t.state)).toEqual(['submitting', 'submitting']);
    expect(c.store.health.problems().map((p) => p.problem)).toEqual(['write_failed']);

    c.provider.finish('t0');
    c.provider.finish('t1');
    // The images too are refused, and held: retried, not failed, not delivered without a record.
    await until(() => disk.refused.filter((p) => p.image).length >= 4, 10_000, 'image writes retried');
    expect(c.eventsOf(job.id)).not.toContain('failed');
    expect(c.eventsOf(job.id)).not.toContain('ready');

    disk.full = false;
    const end = await c.ended(job.id);
    expect(end.type).toBe('ready');
    await until(
      () =>
        c.store.getTasks(job.id).every((t) => t.submitted?.pollingUrl === `https://poll.example/t${t.index}`),
      10_000,
      'the refused polling URLs recorded',
    );
    await until(() => c.store.health.problems().length === 0, 10_000, 'health to clear');
    expect(c.store.getTasks(job.id).map((t) => t.state)).toEqual(['ready', 'ready']);
    expect(c.provider.submits).toHaveLength(2);

    const lines = logs.lines() as Array<{ level: number; msg: string; problem?: string }>;
    const errors = lines.filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.problem).toBe('write_failed');
    expect(lines.some((l) => l.msg === 'store problem cleared')).toBe(true);
  });

  it('stops submitting once the database file is removed: a queued image fails as uncharged, new jobs are refused', async () => {
    const c = harness({ maxActive: 1, storeUpkeepMs: 10 });
    await c.jobs.start();
    const first = await c.jobs.create({ request: klein(), origin: origin() });
    await c.waitingFor(1);
    const second = await c.jobs.create({ request: klein(), origin: origin('u2') });

    unlinkSync(c.dbPath);
    await until(() => !c.store.health.accepting(), 10_000, 'the removal noticed');
    await expect(c.jobs.create({ request: klein(), origin: origin('u3') })).rejects.toThrow(
      expect.objectContaining({ code: 'STORE_UNAVAILABLE' }),
    );

    c.provider.finish('t0');
    expect((await c.ended(first.id)).type).toBe('ready');
    const end = await c.ended(second.id);
    expect(end.type).toBe('failed');
    expect(end.job.tasks[0]?.error).toMatchObject({ code: 'STORE_UNAVAILABLE', charge: 'none' });
    expect(end.job.tasks[0]?.costMicros).toBe(0);
    expect(c.provider.submits).toHaveLength(1);
  });
});
