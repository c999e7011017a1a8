/**
 * A slot is what the provider counts as active: from submit until it says the task is done. Once it has
 * said Ready the slot goes to the next task while the image is still being fetched — but the task stays
 * `submitted` (with its polling URL) and counts against its person's cap until its bytes are stored, so
 * a stop meanwhile loses nothing and the next start fetches it again instead of paying for a new one.
 * Over a fake Provider whose download the test holds; the same against the fake BFL is in jobs-e2e.
 */
import { describe, expect, it } from 'vitest';
import { origin, request } from '../support/core.ts';
import { useHarnesses } from '../support/jobs-harness.ts';
import { until } from '../support/until.ts';

const harness = useHarnesses();
const klein = () => request({ prompt: 'a fox', model: 'klein-4b' });

describe('the slot of a task the provider has finished (fake provider)', () => {
  it('goes to the next task at Ready, before the first image is in hand', async () => {
    const c = harness({ maxActive: 1, maxQueuedPerUser: 1 });
    await c.jobs.start();
    const first = await c.jobs.create({ request: klein(), origin: origin('alice') });
    const second = await c.jobs.create({ request: klein(), origin: origin('bob') });
    await c.waitingFor(1);
    expect(c.provider.submits).toHaveLength(1);
    // The provider says t0 is done; its image is held back (a download under way).
    c.provider.ready('t0');
    await until(() => c.provider.waiting().includes('t1'), 10_000, 'the next task to be submitted');
    expect(c.provider.waiting()).toEqual(['t0', 't1']);
    expect(c.jobs.load()).toEqual({ queued: 0, active: 1 });
    // Not in hand yet: still `submitted` with what a restart needs, and still Alice's one image.
    expect(c.store.getTasks(first.id)[0]).toMatchObject({
      state: 'submitted',
      submitted: { taskId: 't0', pollingUrl: 'https://poll.example/t0' },
    });
    await expect(c.jobs.create({ request: klein(), origin: origin('alice') })).rejects.toThrow(
      expect.objectContaining({ code: 'QUEUE_FULL' }),
    );
    c.provider.finish('t0');
    c.provider.finish('t1');
    expect((await c.ended(first.id)).type).toBe('ready');
    expect((await c.ended(second.id)).type).toBe('ready');
    // Alice's image is stored: her place is free again.
    await c.jobs.create({ request: klein(), origin: origin('alice') });
  });

  it('learns the generation time at Ready, so the task taking the slot is paced with it', async () => {
    const c = harness({ maxActive: 1 });
    await c.jobs.start();
    await c.jobs.create({ request: klein(), origin: origin('a') });
    await c.jobs.create({ request: klein(), origin: origin('b') });
    await c.waitingFor(1);
    const typical = c.provider.waitCalls[0]?.options.expectedMs as number;
    c.provider.ready('t0', { generationMs: typical / 4, generationAfterMs: typical / 8 });
    await until(() => c.provider.waitCalls.length === 2, 10_000, 'the next wait');
    expect(c.provider.waitCalls[1]?.options.expectedMs).toBeLessThan(typical);
    expect(c.provider.waitCalls[1]?.options.estimate?.samples).toBe(1);
  });

  it('a stop while the image is fetched keeps the task submitted; the next start fetches it, submitting nothing', async () => {
    const first = harness({ maxActive: 1 });
    await first.jobs.start();
    const job = await first.jobs.create({ request: klein(), origin: origin() });
    await first.waitingFor(1);
    first.provider.ready('t0');
    await until(() => first.jobs.load().active === 0, 10_000, 'the slot to be given back');
    await first.jobs.stop();
    expect(first.provider.waiting()).toEqual([]);
    expect(first.store.getTasks(job.id)[0]).toMatchObject({
      state: 'submitted',
      submitted: { taskId: 't0', pollingUrl: 'https://poll.example/t0' },
    });

    const second = harness({ dbPath: first.dbPath });
    await second.jobs.start();
    await second.waitingFor(1);
    expect(second.provider.submits).toHaveLength(0);
    second.provider.finish('t0', { costMicros: 30_000 });
    const end = await second.ended(job.id);
    expect(end.type).toBe('ready');
    expect(end.job.costMicros).toBe(30_000);
  });
});
