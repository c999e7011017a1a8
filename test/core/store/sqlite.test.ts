import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../../src/core/store/sqlite.ts';
import { SCHEMA_VERSION } from '../../../src/core/store/sqlite-schema.ts';
import type { JobRow, TaskRow } from '../../../src/core/store/types.ts';
import { origin, request, tempDb } from '../../support/core.ts';

const open: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
function store(path = tempDb()) {
  const s = createSqliteStore(path);
  open.push(s);
  return s;
}

function job(id: string, over: Partial<JobRow> = {}): JobRow {
  return {
    id,
    state: 'queued',
    request: request({ prompt: `job ${id}`, model: 'klein-4b' }),
    origin: origin('u1', 'discord'),
    delivery: { card: 'm1' },
    estimateMicros: 15_000,
    createdAt: 1_000,
    ...over,
  };
}
const task = (jobId: string, index: number, over: Partial<TaskRow> = {}): TaskRow => ({
  jobId,
  index,
  seed: 100 + index,
  state: 'queued',
  ...over,
});

describe('the SQLite store', () => {
  it('keeps a downloaded image until the job is delivered, and only reads it when asked', () => {
    const s = store();
    s.insertJob(job('j1'), [task('j1', 0)]);
    const data = Buffer.from('png bytes');
    s.updateTask('j1', 0, { state: 'ready', image: { data, contentType: 'image/png' }, costMicros: 45_000 });
    expect(s.getTasks('j1')[0]?.image).toBeUndefined();
    expect(s.getTasks('j1', true)[0]?.image).toEqual({ data, contentType: 'image/png' });
    s.dropImages('j1');
    expect(s.getTasks('j1', true)[0]?.image).toBeUndefined();
    expect(s.getTasks('j1')[0]).toMatchObject({ state: 'ready', costMicros: 45_000 });
  });

  it('marks an estimated cost as such and clears a field patched to undefined', () => {
    const s = store();
    s.insertJob(job('j1'), [task('j1', 0)]);
    const error = { code: 'TASK_FAILED' as const, message: 'x', charge: 'unknown' as const };
    s.updateTask('j1', 0, { state: 'failed', costMicros: 15_000, costEstimated: true, error });
    expect(s.getTasks('j1')[0]).toMatchObject({ costEstimated: true, error });
    s.updateTask('j1', 0, { error: undefined, costEstimated: false });
    const t = s.getTasks('j1')[0];
    expect(t?.error).toBeUndefined();
    expect(t?.costEstimated).toBeUndefined();
    s.updateJob('j1', { state: 'failed', costMicros: 15_000, finishedAt: 2_000, error });
    expect(s.getJob('j1')).toMatchObject({ state: 'failed', costMicros: 15_000, finishedAt: 2_000, error });
  });

  it('lists unfinished jobs oldest first, and nothing that has ended', () => {
    const s = store();
    const states: JobRow['state'][] = [
      'ready',
      'delivered',
      'queued',
      'failed',
      'running',
      'cancelled',
      'needs_review',
      'awaiting_confirmation',
    ];
    for (const [i, state] of states.entries())
      s.insertJob(job(`j${i}`, { state, createdAt: 10_000 - i }), [task(`j${i}`, 0)]);
    expect(s.unfinishedJobs().map((j) => j.state)).toEqual([
      'awaiting_confirmation',
      'running',
      'queued',
      'ready',
    ]);
  });

  it('undoes everything in a transaction that throws', () => {
    const s = store();
    expect(() =>
      s.transaction(() => {
        s.insertJob(job('j1'), [task('j1', 0)]);
        throw new Error('budget crossed');
      }),
    ).toThrow('budget crossed');
    expect(s.getJob('j1')).toBeUndefined();
    expect(s.getTasks('j1')).toEqual([]);
  });

  it('sums settled costs, and estimates of jobs that have none yet, as spend', () => {
    const s = store();
    s.insertJob(job('a', { createdAt: 5_000 }), [task('a', 0)]);
    s.insertJob(job('b', { createdAt: 5_000, costMicros: 0, state: 'failed' }), [task('b', 0)]);
    s.insertJob(job('c', { createdAt: 5_000, costMicros: 45_000, state: 'delivered' }), [task('c', 0)]);
    s.insertJob(job('old', { createdAt: 1 }), [task('old', 0)]);
    expect(s.spent({ platform: 'discord' }, 4_000)).toBe(15_000 + 0 + 45_000);
  });

  it('opens a file in WAL mode at the current schema version, and keeps data across reopening', () => {
    const path = tempDb();
    const first = createSqliteStore(path);
    first.insertJob(job('j1'), [task('j1', 0)]);
    first.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
    expect(store(path).getJob('j1')?.id).toBe('j1');
  });

  it('refuses a file written by a newer program instead of guessing at its schema', () => {
    const path = tempDb();
    createSqliteStore(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => createSqliteStore(path)).toThrow(/newer/);
  });

  it('claims a request id once, across reopening, and again only after its record expires', () => {
    const path = tempDb();
    const first = createSqliteStore(path);
    const now = Date.now();
    expect(first.claimOnce('discord:123', now + 60_000)).toBe(true);
    expect(first.claimOnce('discord:123', now + 60_000)).toBe(false);
    expect(first.claimOnce('slack:abc', now - 1)).toBe(true);
    first.close();
    const again = store(path);
    expect(again.claimOnce('discord:123', now + 60_000)).toBe(false);
    // An expired record no longer blocks: the id may be claimed anew.
    expect(again.claimOnce('slack:abc', now + 60_000)).toBe(true);
    expect(again.claimOnce('slack:abc', now + 60_000)).toBe(false);
  });
});
