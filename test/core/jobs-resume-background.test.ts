/**
 * Start-up and resumed deliveries: a ready job whose platform call never returns must not keep the
 * service from starting, nor the other ready jobs from going out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { origin, request } from '../support/core.ts';
import { createHarness, type Harness } from '../support/jobs-harness.ts';
import { until } from '../support/until.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Jobs finished by a process with no Slack sink: they stay ready in the store, as after a crash. */
async function readyJobs(dbPath: string, n: number): Promise<string[]> {
  const first = createHarness({ dbPath, platforms: [] });
  await first.jobs.start();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const job = await first.jobs.create({
      request: request({ prompt: `ready ${i}`, model: 'klein-4b' }),
      origin: origin(`u${i}`, 'slack'),
    });
    ids.push(job.id);
  }
  await first.waitingFor(n);
  for (const t of first.provider.waiting()) first.provider.finish(t);
  await until(
    async () => (await Promise.all(ids.map((id) => first.jobs.get(id)))).every((j) => j?.state === 'ready'),
    10_000,
    'jobs ready',
  );
  await first.close();
  return ids;
}

describe('resuming ready jobs', () => {
  it('finishes start-up while one delivery hangs, and delivers the other ready jobs meanwhile', async () => {
    const dbPath = (await import('../support/core.ts')).tempDb();
    const [stuck, ...others] = await readyJobs(dbPath, 3);
    let release!: () => void;
    const hang = new Promise<void>((r) => {
      release = r;
    });
    harness = createHarness({
      dbPath,
      platforms: ['slack'],
      // The platform call of the first job never returns (until the test lets it go).
      onEvent: (e) => (e.type === 'ready' && e.job.id === stuck ? hang : undefined),
    });
    await harness.jobs.start();
    const h = harness;
    await until(
      async () =>
        (await Promise.all(others.map((id) => h.jobs.get(id)))).every((j) => j?.state === 'delivered'),
      10_000,
      'the other jobs to be delivered',
    );
    expect((await h.jobs.get(stuck as string))?.state).toBe('ready');
    release();
    await until(
      async () => (await h.jobs.get(stuck as string))?.state === 'delivered',
      10_000,
      'the stuck job, once released',
    );
  });
});
