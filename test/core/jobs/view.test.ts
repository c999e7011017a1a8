import { describe, expect, it } from 'vitest';
import { jobView } from '../../../src/core/jobs/view.ts';
import type { JobRow, TaskRow } from '../../../src/core/store/types.ts';

const job: JobRow = {
  id: 'j1',
  state: 'ready',
  request: {
    prompt: 'a fox',
    model: 'pro',
    width: 1024,
    height: 1024,
    seed: 7,
    count: 2,
    safety: 2,
    format: 'jpeg',
    upsample: true,
    references: [],
  },
  origin: { platform: 'cli', userId: 'u' },
  delivery: { card: 'm1' },
  estimateMicros: 60_000,
  costMicros: 60_000,
  createdAt: 1,
};

describe('the view of a stored job', () => {
  it('shows the row and each task without its provider ids or image bytes', () => {
    const tasks: TaskRow[] = [
      {
        jobId: 'j1',
        index: 0,
        seed: 7,
        state: 'ready',
        submitted: { taskId: 'p1', pollingUrl: 'https://api.example/p1' },
        costMicros: 30_000,
        costEstimated: false,
        image: { data: Buffer.from('x'), contentType: 'image/jpeg' },
      },
      { jobId: 'j1', index: 1, seed: 8, state: 'queued' },
    ];
    expect(jobView(job, tasks)).toStrictEqual({
      ...job,
      tasks: [
        { index: 0, seed: 7, state: 'ready', costMicros: 30_000 },
        { index: 1, seed: 8, state: 'queued' },
      ],
    });
  });

  it('marks the total estimated when a task cost is our estimate, but not a task that cost nothing', () => {
    const error = { code: 'TASK_FAILED' as const, message: 'x', charge: 'unknown' as const };
    const view = jobView(job, [
      { index: 0, seed: 7, state: 'failed', costMicros: 30_000, costEstimated: true, error },
      { index: 1, seed: 8, state: 'failed', costMicros: 0, costEstimated: true, error },
    ]);
    expect(view.costEstimated).toBe(true);
    expect(view.tasks.map((t) => t.costEstimated)).toStrictEqual([true, undefined]);
    expect(view.tasks[0]?.error).toStrictEqual(error);
    expect(jobView({ ...job, costMicros: undefined }, view.tasks).costEstimated).toBeUndefined();
  });
});
