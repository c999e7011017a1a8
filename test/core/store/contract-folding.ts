/**
 * The store contract, history folding: old finished jobs become daily totals and no spend figure moves,
 * even when two processes fold at once.
 */
import { expect, it } from 'vitest';
import type { JobOrigin } from '../../../src/core/job-types.ts';
import type { AsyncStore } from '../../../src/core/store/port.ts';
import type { JobRow } from '../../../src/core/store/types.ts';
import { request } from '../../support/core.ts';
import type { ContractContext } from './contract.ts';

export const DAY = 86_400_000;
export const NOW = Date.UTC(2026, 11, 1, 15, 30);
const FINAL = new Set<JobRow['state']>(['delivered', 'failed', 'cancelled', 'needs_review', 'undeliverable']);

/** Job `n` of a history `daysAgo` old: spread over users, channels, models and the day (every 11th failed). */
export function historyJob(
  n: number,
  daysAgo: number,
  over: Partial<JobRow> & { who?: Partial<JobOrigin> } = {},
): JobRow {
  const { who, ...rest } = over;
  return {
    id: `j${n}`,
    state: n % 11 === 0 ? 'failed' : 'delivered',
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
const job = historyJob;

async function figures(store: AsyncStore) {
  const t1 = { platform: 'slack' as const, workspaceId: 'T1' };
  return {
    breakdown: await store.spendBreakdown(t1, 0),
    user: await store.spendBreakdown({ ...t1, userId: 'U1' }, 0),
    dm: await store.spendBreakdown({ platform: 'slack' }, 0),
    all: await store.spent(t1, 0),
    channel: await store.spent({ ...t1, channelId: 'C1' }, 0),
    userSince: await store.spent({ ...t1, userId: 'U2' }, NOW - 100 * DAY),
    month: await store.spent(t1, NOW - 31 * DAY),
  };
}

export function foldingContract(ctx: ContractContext): void {
  it('folds old finished jobs into daily totals, once even when two processes fold together, and no spend figure moves', async () => {
    const store = await ctx.store();
    const other = await ctx.another();
    const jobs: JobRow[] = [];
    let n = 0;
    for (let daysAgo = 0; daysAgo < 140; daysAgo += 3)
      for (let k = 0; k < 4; k++) jobs.push(job(++n, daysAgo));
    jobs.push(job(++n, 120, { id: 'old-unfinished', state: 'running' }));
    jobs.push(job(++n, 100, { who: { workspaceId: undefined, channelId: undefined } }));
    for (const j of jobs) await store.insertJob(j, []);
    const before = Math.floor(NOW / DAY) * DAY - 90 * DAY;
    const foldable = jobs.filter((j) => j.createdAt < before && FINAL.has(j.state)).length;
    expect(foldable).toBeGreaterThan(0);
    expect(foldable).toBeLessThan(jobs.length - 1);

    const was = await figures(store);
    expect(was.all).toBeGreaterThan(0);
    expect(was.breakdown.length).toBeGreaterThan(40);

    const folded = await Promise.all([store.foldHistory(90, NOW), other.foldHistory(90, NOW)]);
    expect(folded[0] + folded[1]).toBe(foldable);
    expect(await figures(other)).toEqual(was);
    // Folding again finds nothing new and changes nothing.
    expect(await store.foldHistory(90, NOW)).toBe(0);
    expect(await figures(store)).toEqual(was);

    expect(await store.getJob('j1')).toBeDefined(); // today
    expect(await store.getJob(`j${4 * 45}`)).toBeUndefined(); // 132 days ago
    expect((await store.getJob('old-unfinished'))?.state).toBe('running');
    expect((await store.unfinishedJobs()).map((j) => j.id)).toEqual(['old-unfinished']);

    // Jobs finished later in an already-folded day add to its totals.
    const late = job(++n, 130, { id: 'late' });
    await store.insertJob(late, []);
    const withLate = await store.spent({ platform: 'slack', workspaceId: 'T1' }, 0);
    expect(withLate).toBe(was.all + (late.costMicros ?? late.estimateMicros));
    expect(await other.foldHistory(90, NOW)).toBe(1);
    expect(await store.spent({ platform: 'slack', workspaceId: 'T1' }, 0)).toBe(withLate);
  });
}
