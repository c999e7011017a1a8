import { afterEach, describe, expect, it } from 'vitest';
import type { JobOrigin } from '../../../src/core/job-types.ts';
import { createSqliteStore } from '../../../src/core/store/sqlite.ts';
import type { JobRow } from '../../../src/core/store/types.ts';
import { request, tempDb } from '../../support/core.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 15, 30);

const open: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function job(n: number, daysAgo: number, over: Partial<JobRow> & { who?: Partial<JobOrigin> } = {}): JobRow {
  const { who, ...rest } = over;
  return {
    id: `j${n}`,
    state: 'delivered',
    request: request({ prompt: `job ${n}`, model: n % 3 === 0 ? 'pro' : 'klein-4b' }),
    origin: { platform: 'slack', userId: `U${n % 4}`, workspaceId: 'T1', channelId: `C${n % 2}`, ...who },
    delivery: {},
    estimateMicros: 15_000 + n,
    costMicros: n % 5 === 0 ? undefined : 14_000 + n,
    // Spread over the day, including a few minutes either side of UTC midnight.
    createdAt: NOW - daysAgo * DAY - ((n * 7_919_000) % DAY),
    ...rest,
  };
}

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
