/**
 * The store contract: what every adapter of the asynchronous port (port.ts) must do, run against
 * SQLite and Postgres alike. Each test gets a fresh, empty database; `open()` connects one more store to
 * it, standing for one more process (a SQLite handle on the same file, a separate Postgres pool).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { BudgetError, DEFAULT_SETTINGS, type WorkspaceSettings } from '../../../src/core/budgets.ts';
import type { JobOrigin } from '../../../src/core/job-types.ts';
import type { AsyncStore } from '../../../src/core/store/port.ts';
import type { JobRow, TaskRow } from '../../../src/core/store/types.ts';
import { request } from '../../support/core.ts';
import { claimsContract } from './contract-claims.ts';
import { deliveryContract } from './contract-delivery.ts';
import { foldingContract } from './contract-folding.ts';
import { jobTasksContract } from './contract-job-tasks.ts';
import { recentContract } from './contract-recent.ts';
import { startContract } from './contract-start.ts';

export interface StoreDatabase {
  open(): Promise<AsyncStore>;
  drop(): Promise<void>;
}

export interface StoreTarget {
  fresh(): Promise<StoreDatabase>;
}

export interface ContractContext {
  /** A store on this test's database (opened on first use). */
  store(): Promise<AsyncStore>;
  /** Another store on the same database: another process. */
  another(): Promise<AsyncStore>;
}

export const NOW = Date.UTC(2026, 5, 10, 15, 30);
export const slack = (userId: string, over: Partial<JobOrigin> = {}): JobOrigin => ({
  platform: 'slack',
  userId,
  workspaceId: 'T1',
  channelId: 'C1',
  ...over,
});

export function job(id: string, over: Partial<JobRow> = {}): JobRow {
  return {
    id,
    state: 'queued',
    request: request({ prompt: `job ${id}`, model: 'klein-4b' }),
    origin: slack('U1'),
    delivery: { card: 'm1' },
    estimateMicros: 15_000,
    createdAt: NOW,
    ...over,
  };
}
export const task = (jobId: string, index: number, over: Partial<TaskRow> = {}): TaskRow => ({
  jobId,
  index,
  seed: 100 + index,
  state: 'queued',
  ...over,
});

export function storeContract(target: StoreTarget): void {
  let db: StoreDatabase;
  let first: Promise<AsyncStore> | undefined;
  const opened: AsyncStore[] = [];
  const open = async () => {
    const s = await db.open();
    opened.push(s);
    return s;
  };
  const ctx: ContractContext = {
    store: () => {
      first ??= open();
      return first;
    },
    another: open,
  };
  beforeEach(async () => {
    db = await target.fresh();
    first = undefined;
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await db.drop();
  });

  it('keeps a job exactly, reference bytes included, and leaves unset fields unset', async () => {
    const s = await ctx.store();
    const bytes = Buffer.from([0, 1, 2, 250, 255, 7]);
    const req = {
      ...request({ prompt: 'edit this', model: 'pro' }),
      references: [
        { kind: 'bytes' as const, data: bytes, contentType: 'image/png', name: 'a.png' },
        { kind: 'url' as const, url: 'https://cdn.example/b.png' },
      ],
    };
    await s.insertJob(job('j1', { request: req, parentId: 'j0' }), [task('j1', 0), task('j1', 1)]);
    const back = await (await ctx.another()).getJob('j1');
    expect(back).toEqual(job('j1', { request: req, parentId: 'j0' }));
    const ref = back?.request.references[0];
    expect(ref?.kind === 'bytes' && Buffer.isBuffer(ref.data)).toBe(true);
    expect(await s.getTasks('j1')).toEqual([task('j1', 0), task('j1', 1)]);
    expect(await s.getJob('nope')).toBeUndefined();
    expect(await s.getTasks('nope')).toEqual([]);
  });

  it('inserts a job and its tasks all or nothing', async () => {
    const s = await ctx.store();
    await expect(s.insertJob(job('j1'), [task('j1', 0), task('j1', 0)])).rejects.toThrow();
    expect(await s.getJob('j1')).toBeUndefined();
    await s.insertJob(job('j2'), [task('j2', 0)]);
    await expect(s.insertJob(job('j2', { state: 'running' }), [])).rejects.toThrow();
    expect((await s.getJob('j2'))?.state).toBe('queued');
  });

  it('records what submit answered and finds the task by the provider’s id, from any process', async () => {
    const s = await ctx.store();
    await s.insertJob(job('j1'), [task('j1', 0), task('j1', 1)]);
    const submitted = { taskId: 'bfl-123', pollingUrl: 'https://api.eu2.bfl.ai/v1/get_result?id=bfl-123' };
    await s.updateTask('j1', 1, { state: 'submitted', submitted });
    expect((await s.getTasks('j1'))[1]).toEqual(task('j1', 1, { state: 'submitted', submitted }));
    const other = await ctx.another();
    expect(await other.findTask('bfl-123')).toEqual({ jobId: 'j1', index: 1 });
    expect(await other.findTask('other')).toBeUndefined();
  });

  it('counts a person’s images waiting or generating, from any process, and no one else’s', async () => {
    const s = await ctx.store();
    await s.insertJob(job('j1'), [task('j1', 0), task('j1', 1, { state: 'submitting' })]);
    await s.insertJob(job('j2', { state: 'running' }), [
      task('j2', 0, { state: 'submitted' }),
      task('j2', 1, { state: 'ready' }),
      task('j2', 2, { state: 'failed' }),
    ]);
    await s.insertJob(job('j3', { state: 'awaiting_confirmation' }), [task('j3', 0)]);
    await s.insertJob(job('j4', { origin: slack('U2') }), [task('j4', 0)]);
    await s.insertJob(job('j5', { origin: slack('U1', { platform: 'discord' }) }), [task('j5', 0)]);
    const other = await ctx.another();
    expect(await other.pendingImages('slack', 'U1')).toBe(3);
    expect(await other.pendingImages('slack', 'U2')).toBe(1);
    expect(await other.pendingImages('discord', 'U1')).toBe(1);
    await s.updateJob('j1', { state: 'cancelled' });
    expect(await other.pendingImages('slack', 'U1')).toBe(1);
    expect(await other.pendingImages('slack', 'nobody')).toBe(0);
  });

  it('keeps a downloaded image until dropped, and reads it only when asked', async () => {
    const s = await ctx.store();
    await s.insertJob(job('j1'), [task('j1', 0)]);
    const data = Buffer.from([137, 80, 78, 71, 0, 255]);
    await s.updateTask('j1', 0, {
      state: 'ready',
      image: { data, contentType: 'image/png' },
      costMicros: 45_000,
    });
    expect((await s.getTasks('j1'))[0]?.image).toBeUndefined();
    expect((await s.getTasks('j1', true))[0]?.image).toEqual({ data, contentType: 'image/png' });
    await s.dropImages('j1');
    expect((await s.getTasks('j1', true))[0]).toEqual(task('j1', 0, { state: 'ready', costMicros: 45_000 }));
  });

  it('marks an estimated cost as such, clears a field patched to undefined, and patches jobs', async () => {
    const s = await ctx.store();
    await s.insertJob(job('j1'), [task('j1', 0)]);
    const error = { code: 'TASK_FAILED' as const, message: 'x', charge: 'unknown' as const };
    await s.updateTask('j1', 0, { state: 'failed', costMicros: 15_000, costEstimated: true, error });
    expect((await s.getTasks('j1'))[0]).toMatchObject({ costEstimated: true, error });
    await s.updateTask('j1', 0, { error: undefined, costEstimated: false });
    expect((await s.getTasks('j1'))[0]).toEqual(task('j1', 0, { state: 'failed', costMicros: 15_000 }));
    const patch = {
      state: 'failed' as const,
      costMicros: 15_000,
      startedAt: NOW + 1,
      finishedAt: NOW + 2,
      error,
    };
    await s.updateJob('j1', { ...patch, delivery: { card: 'm2' } });
    expect(await s.getJob('j1')).toEqual(job('j1', { ...patch, delivery: { card: 'm2' } }));
    await s.updateJob('j1', {});
    await s.updateTask('j1', 0, {});
    expect((await s.getJob('j1'))?.state).toBe('failed');
  });

  it('writes several changes as one, or none when one of them fails', async () => {
    const s = await ctx.store();
    await s.insertJob(job('j1'), [task('j1', 0), task('j1', 1)]);
    const image = { data: Buffer.from('img'), contentType: 'image/png' };
    await s.updateTask('j1', 1, { state: 'ready', image });
    await s.write([
      { kind: 'job', id: 'j1', patch: { state: 'running', startedAt: NOW } },
      { kind: 'task', jobId: 'j1', index: 0, patch: { state: 'submitting' } },
      { kind: 'dropImages', jobId: 'j1' },
    ]);
    expect((await s.getJob('j1'))?.state).toBe('running');
    expect((await s.getTasks('j1', true)).map((t) => [t.state, t.image])).toEqual([
      ['submitting', undefined],
      ['ready', undefined],
    ]);
    const broken = null as unknown as JobRow['state'];
    await expect(
      s.write([
        { kind: 'task', jobId: 'j1', index: 0, patch: { state: 'failed' } },
        { kind: 'job', id: 'j1', patch: { state: broken } },
      ]),
    ).rejects.toThrow();
    expect((await s.getTasks('j1'))[0]?.state).toBe('submitting');
  });

  it('applies a conditional task change only while the task is in the named state', async () => {
    const s = await ctx.store();
    await s.insertJob(job('j1'), [task('j1', 0, { state: 'submitting' }), task('j1', 1, { state: 'ready' })]);
    const submitted = { taskId: 't' };
    const record = (index: number) =>
      s.write([
        { kind: 'task', jobId: 'j1', index, patch: { state: 'submitted', submitted }, ifState: 'submitting' },
        { kind: 'task', jobId: 'j1', index, patch: { submitted } },
      ]);
    await record(0);
    await record(1);
    expect((await s.getTasks('j1')).map((t) => [t.state, t.submitted])).toEqual([
      ['submitted', submitted],
      ['ready', submitted],
    ]);
  });

  it('lists unfinished jobs oldest first (ties in insertion order), and nothing that has ended', async () => {
    const s = await ctx.store();
    const states: JobRow['state'][] = ['ready', 'delivered', 'queued', 'failed', 'running', 'cancelled'];
    for (const [i, state] of states.entries())
      await s.insertJob(job(`j${i}`, { state, createdAt: 10_000 - i }), [task(`j${i}`, 0)]);
    await s.insertJob(job('waiting', { state: 'awaiting_confirmation', createdAt: 9_995 }), []);
    await s.insertJob(job('a-tie', { state: 'queued', createdAt: 9_998 }), []);
    await s.insertJob(job('undeliverable', { state: 'undeliverable', createdAt: 1 }), []);
    await s.insertJob(job('review', { state: 'needs_review', createdAt: 1 }), []);
    const other = await ctx.another();
    expect((await other.unfinishedJobs()).map((j) => j.id)).toEqual(['waiting', 'j4', 'j2', 'a-tie', 'j0']);
  });

  it('keeps workspace settings, over the defaults, for every process', async () => {
    const s = await ctx.store();
    expect(await s.getSettings('slack', 'T1')).toBeUndefined();
    const settings: WorkspaceSettings = {
      ...DEFAULT_SETTINGS,
      budgets: [{ scope: 'user', period: 'day', limitMicros: 100_000 }],
      maxSafety: { '*': 2 },
    };
    await s.putSettings('slack', 'T1', settings);
    expect(await (await ctx.another()).getSettings('slack', 'T1')).toEqual(settings);
    expect(await s.getSettings('discord', 'T1')).toBeUndefined();
    await s.putSettings('slack', 'T1', { ...settings, budgets: [] });
    expect((await s.getSettings('slack', 'T1'))?.budgets).toEqual([]);
  });

  it('sums settled costs and the estimates of unsettled jobs, per workspace, channel, user and window', async () => {
    const s = await ctx.store();
    await s.insertJob(job('a'), []);
    await s.insertJob(job('b', { costMicros: 0, state: 'failed' }), []);
    await s.insertJob(job('c', { costMicros: 45_000, state: 'delivered', origin: slack('U2') }), []);
    await s.insertJob(job('d', { origin: slack('U1', { channelId: 'C2' }), estimateMicros: 7 }), []);
    await s.insertJob(job('old', { createdAt: NOW - 3_600_000 }), []);
    await s.insertJob(job('dm', { origin: slack('U1', { workspaceId: undefined }), estimateMicros: 3 }), []);
    await s.insertJob(job('other', { origin: slack('U1', { workspaceId: 'T2' }), estimateMicros: 5 }), []);
    const t1 = { platform: 'slack' as const, workspaceId: 'T1' };
    expect(await s.spent(t1, NOW)).toBe(15_000 + 0 + 45_000 + 7);
    expect(await s.spent(t1, NOW - 3_600_000)).toBe(15_000 + 0 + 45_000 + 7 + 15_000);
    expect(await s.spent({ ...t1, channelId: 'C2' }, NOW)).toBe(7);
    expect(await s.spent({ ...t1, userId: 'U2' }, NOW)).toBe(45_000);
    expect(await s.spent({ platform: 'slack' }, 0)).toBe(3);
    expect(await s.spent({ platform: 'discord', workspaceId: 'T1' }, 0)).toBe(0);
    expect(await s.spendBreakdown(t1, NOW)).toEqual([
      { day: '2026-06-10', model: 'klein-4b', userId: 'U1', micros: 15_007 },
      { day: '2026-06-10', model: 'klein-4b', userId: 'U2', micros: 45_000 },
    ]);
    // Ordered by code unit, not by a locale: capitals first.
    await s.insertJob(job('e', { origin: slack('b1', { workspaceId: 'T3' }), estimateMicros: 1 }), []);
    await s.insertJob(job('f', { origin: slack('C2', { workspaceId: 'T3' }), estimateMicros: 2 }), []);
    expect(
      (await s.spendBreakdown({ platform: 'slack', workspaceId: 'T3' }, 0)).map((r) => r.userId),
    ).toEqual(['C2', 'b1']);
    expect(await s.spendBreakdown({ ...t1, userId: 'U2' }, 0)).toEqual([
      { day: '2026-06-10', model: 'klein-4b', userId: 'U2', micros: 45_000 },
    ]);
  });

  it('admits a job within its budgets and refuses one past them, writing nothing', async () => {
    const s = await ctx.store();
    await s.insertJobWithinBudgets(job('free'), [task('free', 0)], NOW);
    await s.putSettings('slack', 'T1', {
      ...DEFAULT_SETTINGS,
      budgets: [{ scope: 'user', period: 'day', limitMicros: 40_000 }],
    });
    await s.insertJobWithinBudgets(job('fits', { estimateMicros: 25_000 }), [task('fits', 0)], NOW);
    const refused = s.insertJobWithinBudgets(job('over', { estimateMicros: 1 }), [task('over', 0)], NOW);
    await expect(refused).rejects.toBeInstanceOf(BudgetError);
    await expect(refused).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED', state: { spentMicros: 40_000 } });
    expect(await s.getJob('over')).toBeUndefined();
    expect(await s.getTasks('over')).toEqual([]);
    // Another user, a new day, and a job without a workspace are not held by U1's spend today.
    await s.insertJobWithinBudgets(job('u2', { origin: slack('U2') }), [], NOW);
    await s.insertJobWithinBudgets(job('tomorrow', { createdAt: NOW + 86_400_000 }), [], NOW + 86_400_000);
    await s.insertJobWithinBudgets(job('dm', { origin: slack('U1', { workspaceId: undefined }) }), [], NOW);
    // A budget another process just lowered holds at once.
    await (await ctx.another()).putSettings('slack', 'T1', {
      ...DEFAULT_SETTINGS,
      budgets: [{ scope: 'user', period: 'day', limitMicros: 15_000 }],
    });
    await expect(
      s.insertJobWithinBudgets(job('u3', { origin: slack('U3') }), [], NOW),
    ).resolves.toBeUndefined();
    await expect(
      s.insertJobWithinBudgets(job('u3b', { origin: slack('U3') }), [], NOW),
    ).rejects.toBeInstanceOf(BudgetError);
  });

  it('admits exactly what fits when 20 inserts race through several processes', async () => {
    const stores = [await ctx.store(), await ctx.another(), await ctx.another(), await ctx.another()];
    await stores[0]?.putSettings('slack', 'T1', {
      ...DEFAULT_SETTINGS,
      budgets: [{ scope: 'workspace', period: 'day', limitMicros: 7 * 45_000 + 44_999 }],
    });
    await stores[1]?.insertJob(job('before', { estimateMicros: 1 }), []);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % stores.length]?.insertJobWithinBudgets(
          job(`r${i}`, { estimateMicros: 45_000, origin: slack(`U${i}`) }),
          [task(`r${i}`, 0), task(`r${i}`, 1)],
          NOW,
        ),
      ),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.length - refused.length).toBe(7);
    for (const r of refused) expect(r.reason).toBeInstanceOf(BudgetError);
    expect(await stores[2]?.spent({ platform: 'slack', workspaceId: 'T1' }, NOW)).toBe(7 * 45_000 + 1);
  });

  it('opens from five processes at once on an empty database, each ready to use', async () => {
    const stores = await Promise.all(Array.from({ length: 5 }, () => ctx.another()));
    await stores[0]?.insertJob(job('j1'), [task('j1', 0)]);
    for (const s of stores) expect((await s.getJob('j1'))?.id).toBe('j1');
  });

  it('keeps everything across closing and reopening', async () => {
    const s = await ctx.another();
    await s.insertJob(job('j1'), [task('j1', 0)]);
    expect(await s.claimOnce('k', Date.now() + 60_000)).toBe(true);
    await s.close();
    const again = await ctx.another();
    expect((await again.getJob('j1'))?.id).toBe('j1');
    expect(await again.claimOnce('k', Date.now() + 60_000)).toBe(false);
  });

  claimsContract(ctx);
  deliveryContract(ctx);
  foldingContract(ctx);
  recentContract(ctx);
  jobTasksContract(ctx);
  startContract(ctx);
}
