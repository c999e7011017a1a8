/**
 * The store contract, a task's start: the task submitting and its job running in one step, the job
 * moved out of `queued` by exactly one of the starts racing for it, and never moved back.
 */
import { expect, it } from 'vitest';
import type { ContractContext } from './contract.ts';
import { job, NOW, task } from './contract.ts';

export function startContract(ctx: ContractContext): void {
  it('starts a queued job once, whichever of its tasks starting at once (two processes) gets there first', async () => {
    const s = await ctx.store();
    const other = await ctx.another();
    await s.insertJob(job('j1'), [task('j1', 0), task('j1', 1), task('j1', 2)]);
    const [a, b] = await Promise.all([s.startTask('j1', 0, NOW + 1), other.startTask('j1', 1, NOW + 2)]);
    expect([a?.started, b?.started].filter(Boolean)).toHaveLength(1);
    const winner = a?.started ? a : b;
    const startedAt = a?.started ? NOW + 1 : NOW + 2;
    expect(winner?.job).toEqual({ ...job('j1'), state: 'running', startedAt });
    // Each sees its own task submitting (a sibling's may be a moment behind).
    expect(a?.tasks.map((t) => t.state)[0]).toBe('submitting');
    expect(b?.tasks.map((t) => t.state)[1]).toBe('submitting');
    expect(winner?.tasks.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(winner?.tasks[2]?.state).toBe('queued');
    expect(await s.getJob('j1')).toEqual({ ...job('j1'), state: 'running', startedAt });
    expect((await s.getTasks('j1')).map((t) => t.state)).toEqual(['submitting', 'submitting', 'queued']);
    // A later sibling finds it running: it only submits.
    const c = await s.startTask('j1', 2, NOW + 3);
    expect(c).toEqual({
      started: false,
      job: { ...job('j1'), state: 'running', startedAt },
      tasks: [0, 1, 2].map((i) => ({ ...task('j1', i), state: 'submitting' })),
    });
  });

  it('moves a job that is no longer queued nowhere, and only sets its task submitting', async () => {
    const s = await ctx.store();
    const cancelled = job('c', { state: 'cancelled', finishedAt: NOW + 5, costMicros: 0 });
    const running = job('r', { state: 'running', startedAt: NOW - 5 });
    const unconfirmed = job('u', { state: 'awaiting_confirmation' });
    for (const j of [cancelled, running, unconfirmed]) await s.insertJob(j, [task(j.id, 0), task(j.id, 1)]);
    for (const j of [cancelled, running, unconfirmed]) {
      const done = await s.startTask(j.id, 1, NOW + 10);
      expect(done).toEqual({
        started: false,
        job: j,
        tasks: [task(j.id, 0), { ...task(j.id, 1), state: 'submitting' }],
      });
      expect(await s.getJob(j.id)).toEqual(j);
      expect((await s.getTasks(j.id)).map((t) => t.state)).toEqual(['queued', 'submitting']);
    }
  });

  it('starts nothing for an unknown job, nor for a task its job does not have', async () => {
    const s = await ctx.store();
    expect(await s.startTask('nope', 0, NOW)).toBeUndefined();
    await s.insertJob(job('j1'), [task('j1', 0)]);
    const done = await s.startTask('j1', 3, NOW);
    expect(done).toEqual({ started: false, job: job('j1'), tasks: [task('j1', 0)] });
    expect(await s.getJob('j1')).toEqual(job('j1'));
  });
}
