/**
 * The store contract, recall: a member's or a workspace's recent jobs, newest first, and a short id
 * resolved by prefix — never a job of another platform, workspace or member than the query names.
 */
import { expect, it } from 'vitest';
import type { ContractContext } from './contract.ts';
import { job, NOW, slack, task } from './contract.ts';

export function recentContract(ctx: ContractContext): void {
  it('lists recent jobs newest first (ties: the later inserted first), by member and workspace', async () => {
    const s = await ctx.store();
    const rows = [
      job('aa11-old', { createdAt: NOW - 3_000 }),
      job('aa22-tie1', { createdAt: NOW - 1_000 }),
      job('bb33-tie2', { createdAt: NOW - 1_000 }),
      job('cc44-new', { createdAt: NOW, state: 'delivered', costMicros: 14_000 }),
      job('dd55-bob', { createdAt: NOW + 1, origin: slack('U2') }),
      job('ee66-other-ws', { createdAt: NOW + 2, origin: slack('U1', { workspaceId: 'T2' }) }),
      job('ff77-discord', { createdAt: NOW + 3, origin: { ...slack('U1'), platform: 'discord' } }),
      job('aa88-dm', { createdAt: NOW + 4, origin: { platform: 'slack', userId: 'U1' } }),
    ];
    for (const r of rows) await s.insertJob(r, [task(r.id, 0)]);

    const mine = await s.recentJobs({ platform: 'slack', workspaceId: 'T1', userId: 'U1' }, 10);
    expect(mine.map((j) => j.id)).toEqual(['cc44-new', 'bb33-tie2', 'aa22-tie1', 'aa11-old']);
    // A row comes back whole, as getJob reads it.
    expect(mine[0]).toEqual(await s.getJob('cc44-new'));
    expect(
      (await s.recentJobs({ platform: 'slack', workspaceId: 'T1', userId: 'U1' }, 2)).map((j) => j.id),
    ).toEqual(['cc44-new', 'bb33-tie2']);
    expect((await s.recentJobs({ platform: 'slack', workspaceId: 'T1' }, 10)).map((j) => j.id)).toEqual([
      'dd55-bob',
      'cc44-new',
      'bb33-tie2',
      'aa22-tie1',
      'aa11-old',
    ]);
    // Jobs made outside any workspace are their own place, not any workspace's.
    expect((await s.recentJobs({ platform: 'slack', userId: 'U1' }, 10)).map((j) => j.id)).toEqual([
      'aa88-dm',
    ]);
    expect(await s.recentJobs({ platform: 'slack', workspaceId: 'T9' }, 10)).toEqual([]);
    // Another process sees the same.
    const other = await ctx.another();
    expect((await other.recentJobs({ platform: 'discord', workspaceId: 'T1' }, 10)).map((j) => j.id)).toEqual(
      ['ff77-discord'],
    );
  });

  it('finds jobs by id prefix within the query only, taking LIKE wildcards literally', async () => {
    const s = await ctx.store();
    for (const id of ['ab12cd34-1', 'ab12cd34-2', 'ab12ff00-3', 'a%_x-4'])
      await s.insertJob(job(id), [task(id, 0)]);
    await s.insertJob(job('ab12cd99-ws2', { origin: slack('U1', { workspaceId: 'T2' }) }), []);
    const where = { platform: 'slack', workspaceId: 'T1' } as const;
    expect((await s.recentJobs({ ...where, idPrefix: 'ab12' }, 10)).map((j) => j.id).sort()).toEqual([
      'ab12cd34-1',
      'ab12cd34-2',
      'ab12ff00-3',
    ]);
    expect((await s.recentJobs({ ...where, idPrefix: 'ab12ff' }, 10)).map((j) => j.id)).toEqual([
      'ab12ff00-3',
    ]);
    expect((await s.recentJobs({ ...where, idPrefix: 'ab12cd99' }, 10)).map((j) => j.id)).toEqual([]);
    expect((await s.recentJobs({ ...where, idPrefix: 'a%' }, 10)).map((j) => j.id)).toEqual(['a%_x-4']);
    expect(await s.recentJobs({ ...where, idPrefix: 'a_' }, 10)).toEqual([]);
    expect(await s.recentJobs({ ...where, idPrefix: 'ab12cd34', userId: 'U2' }, 10)).toEqual([]);
  });
}
