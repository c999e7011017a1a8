import { statSync, unlinkSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStoreOptions } from '../../../src/core/store/sqlite.ts';
import type { Store } from '../../../src/core/store/types.ts';
import { origin, request, tempDb } from '../../support/core.ts';
import { until } from '../../support/until.ts';

const open: Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
function store(path = tempDb(), options: SqliteStoreOptions = {}) {
  const s = createSqliteStore(path, options);
  open.push(s);
  return s;
}

function jobWithImages(s: Store, id: string, images: number, bytes: number) {
  s.insertJob(
    {
      id,
      state: 'running',
      request: request({ prompt: id, model: 'klein-4b', count: images }),
      origin: origin(),
      delivery: {},
      estimateMicros: 0,
      createdAt: 1,
    },
    Array.from({ length: images }, (_, i) => ({ jobId: id, index: i, seed: i, state: 'queued' as const })),
  );
  for (let i = 0; i < images; i++)
    s.updateTask(id, i, {
      state: 'ready',
      image: { data: Buffer.alloc(bytes, i + 1), contentType: 'image/png' },
    });
}

describe('the SQLite file over time', () => {
  it('gives the pages of dropped images back to the disk: the file shrinks', () => {
    const path = tempDb();
    const first = createSqliteStore(path);
    jobWithImages(first, 'big', 4, 1024 * 1024);
    first.close(); // Checkpoints the WAL: the images are in the main file now.
    const full = statSync(path).size;
    expect(full).toBeGreaterThan(4 * 1024 * 1024);

    const s = store(path, { upkeepEveryMs: 10 });
    s.dropImages('big');
    return until(() => statSync(path).size < full / 4, 10_000, 'the file to shrink');
  });

  it('converts a file made without auto-vacuum once, keeping its data', () => {
    const path = tempDb();
    const old = createSqliteStore(path);
    old.insertJob(
      {
        id: 'kept',
        state: 'queued',
        request: request({ prompt: 'kept', model: 'klein-4b' }),
        origin: origin(),
        delivery: {},
        estimateMicros: 0,
        createdAt: 1,
      },
      [],
    );
    old.close();
    // As a file from before this change: auto-vacuum off.
    const raw = new Database(path);
    raw.pragma('auto_vacuum = NONE');
    raw.exec('VACUUM');
    expect(raw.pragma('auto_vacuum', { simple: true })).toBe(0);
    raw.close();

    store(path).close();
    const after = new Database(path, { readonly: true });
    expect(after.pragma('auto_vacuum', { simple: true })).toBe(2);
    after.close();
    expect(store(path).getJob('kept')?.id).toBe('kept');
  });

  it('notices its file removed while open, reports it, and refuses new jobs instead of writing them nowhere', async () => {
    const path = tempDb();
    const s = store(path, { upkeepEveryMs: 10 });
    expect(s.health.accepting()).toBe(true);
    unlinkSync(path);
    await until(
      () => s.health.problems().some((p) => p.problem === 'file_removed'),
      10_000,
      'the removal noticed',
    );
    expect(s.health.accepting()).toBe(false);
    expect(s.health.problems()[0]?.error).toContain(path);
    expect(() =>
      s.insertJob(
        {
          id: 'lost',
          state: 'queued',
          request: request({ prompt: 'lost', model: 'klein-4b' }),
          origin: origin(),
          delivery: {},
          estimateMicros: 0,
          createdAt: 1,
        },
        [],
      ),
    ).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE' }));
  });
});
