/**
 * The store contract, a job with its tasks: read together exactly as read apart (the steps of a task
 * read both at once), and the writes a task's steps make together — a job and one of its tasks, a
 * delivery and its dropped images — applied whole or not at all, whichever way an adapter sends them.
 */
import { expect, it } from 'vitest';
import { request } from '../../support/core.ts';
import type { ContractContext } from './contract.ts';
import { job, NOW, task } from './contract.ts';

export function jobTasksContract(ctx: ContractContext): void {
  it('reads a job with its tasks as getJob and getTasks read them, images left out', async () => {
    const s = await ctx.store();
    const req = {
      ...request({ prompt: 'it’s "quoted" \\ and more', model: 'pro', count: 3 }),
      references: [{ kind: 'bytes' as const, data: Buffer.from([0, 255, 7]), contentType: 'image/png' }],
    };
    const error = { code: 'TASK_FAILED' as const, message: 'x', charge: 'unknown' as const };
    await s.insertJob(job('j1', { request: req, state: 'running', startedAt: NOW + 1 }), [
      task('j1', 2, { seed: 2 ** 32 - 1 }),
      task('j1', 0),
      task('j1', 1),
    ]);
    await s.updateTask('j1', 0, {
      state: 'ready',
      costMicros: 45_000,
      image: { data: Buffer.from('img'), contentType: 'image/png' },
    });
    await s.updateTask('j1', 1, { state: 'failed', costMicros: 15_000, costEstimated: true, error });
    await s.updateTask('j1', 2, { state: 'submitted', submitted: { taskId: 'bfl-1', pollingUrl: 'u' } });
    await s.insertJob(job('empty'), []);
    const other = await ctx.another();
    const read = await other.getJobWithTasks('j1');
    expect(read).toEqual({ job: await s.getJob('j1'), tasks: await s.getTasks('j1') });
    expect(read?.tasks.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(read?.tasks[0]?.image).toBeUndefined();
    const ref = read?.job.request.references[0];
    expect(ref?.kind === 'bytes' && Buffer.isBuffer(ref.data)).toBe(true);
    expect(await other.getJobWithTasks('empty')).toEqual({ job: job('empty'), tasks: [] });
    expect(await other.getJobWithTasks('nope')).toBeUndefined();
  });

  it('writes a job and one of its tasks as one, and a delivery with its images dropped', async () => {
    const s = await ctx.store();
    await s.insertJob(job('j1'), [task('j1', 0), task('j1', 1)]);
    await s.write([
      { kind: 'job', id: 'j1', patch: { state: 'running', startedAt: NOW } },
      { kind: 'task', jobId: 'j1', index: 1, patch: { state: 'submitting' } },
    ]);
    expect((await s.getJob('j1'))?.startedAt).toBe(NOW);
    expect((await s.getTasks('j1')).map((t) => t.state)).toEqual(['queued', 'submitting']);
    const image = { data: Buffer.from('img'), contentType: 'image/png' };
    for (const index of [0, 1]) await s.updateTask('j1', index, { state: 'ready', image });
    await s.write([
      { kind: 'job', id: 'j1', patch: { state: 'delivered' } },
      { kind: 'dropImages', jobId: 'j1' },
    ]);
    expect((await s.getJob('j1'))?.state).toBe('delivered');
    expect((await s.getTasks('j1', true)).map((t) => t.image)).toEqual([undefined, undefined]);
    // A task change bound to a state it is not in is skipped; the job's change beside it still lands.
    await s.write([
      { kind: 'task', jobId: 'j1', index: 0, patch: { state: 'failed' }, ifState: 'submitting' },
      { kind: 'job', id: 'j1', patch: { costMicros: 7 } },
    ]);
    expect((await s.getTasks('j1'))[0]?.state).toBe('ready');
    expect((await s.getJob('j1'))?.costMicros).toBe(7);
    // One change alone, and none at all.
    await s.write([{ kind: 'job', id: 'j1', patch: { costMicros: 8 } }]);
    await s.write([]);
    expect((await s.getJob('j1'))?.costMicros).toBe(8);
  });
}
