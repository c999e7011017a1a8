import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../../src/core/store/sqlite.ts';
import { tempDb } from '../../support/core.ts';
import { DAY, historyJob, NOW } from './contract-folding.ts';

const open: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** The contract's history, every job delivered (folding keeps their spend). */
const job = (n: number, daysAgo: number, over: Parameters<typeof historyJob>[2] = {}) =>
  historyJob(n, daysAgo, { state: 'delivered', ...over });

describe('history folding', () => {
  it('folds old finished jobs into daily totals without changing any spend figure, and keeps unfinished ones', () => {
    const store = createSqliteStore(tempDb());
    open.push(store);
    let n = 0;
    for (let daysAgo = 0; daysAgo < 140; daysAgo += 3) {
      for (let k = 0; k < 4; k++) store.insertJob(job(++n, daysAgo), []);
    }
    store.insertJob(job(++n, 120, { id: 'old-unfinished', state: 'running' }), []);
    store.insertJob(job(++n, 100, { who: { workspaceId: undefined, channelId: undefined } }), []);
    const total = n;

    const figures = () => ({
      breakdown: store.spendBreakdown({ platform: 'slack', workspaceId: 'T1' }, 0),
      user: store.spendBreakdown({ platform: 'slack', workspaceId: 'T1', userId: 'U1' }, 0),
      dm: store.spendBreakdown({ platform: 'slack' }, 0),
      all: store.spent({ platform: 'slack', workspaceId: 'T1' }, 0),
      channel: store.spent({ platform: 'slack', workspaceId: 'T1', channelId: 'C1' }, 0),
      userSince: store.spent({ platform: 'slack', workspaceId: 'T1', userId: 'U2' }, NOW - 100 * DAY),
      month: store.spent({ platform: 'slack', workspaceId: 'T1' }, NOW - 31 * DAY),
    });
    const before = figures();
    expect(before.all).toBeGreaterThan(0);

    const folded = store.foldHistory(90, NOW);
    expect(folded).toBeGreaterThan(0);
    expect(folded).toBeLessThan(total);
    expect(figures()).toEqual(before);
    // Folding again finds nothing new and changes nothing.
    expect(store.foldHistory(90, NOW)).toBe(0);
    expect(figures()).toEqual(before);

    // Old finished jobs are gone, recent ones and unfinished ones stay.
    expect(store.getJob('j1')).toBeDefined(); // today
    expect(store.getJob(`j${4 * 45}`)).toBeUndefined(); // 132 days ago
    expect(store.getJob('old-unfinished')?.state).toBe('running');
    expect(store.unfinishedJobs().map((j) => j.id)).toEqual(['old-unfinished']);
  });
});
