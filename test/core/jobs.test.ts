/**
 * The jobs service over a fake Provider: what it stores when, what it charges, how it uses slots, and
 * what it tells the sink. The same behaviours against the real BFL provider are in jobs-e2e.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/job-types.ts';
import { DEFAULT_PRICES, estimateImage } from '../../src/core/pricing.ts';
import { createScheduler } from '../../src/core/scheduler.ts';
import type { TaskRow } from '../../src/core/store/types.ts';
import { catalog, origin, request } from '../support/core.ts';
import { failedUnknown, moderated, rateLimited } from '../support/fake-provider.ts';
import { inOrder } from '../support/in-order.ts';
import { type Harness, type HarnessOptions, useHarnesses } from '../support/jobs-harness.ts';
import { until } from '../support/until.ts';

const harness = useHarnesses();
async function started(options: HarnessOptions = {}): Promise<Harness> {
  const h = harness(options);
  await h.jobs.start();
  return h;
}
const klein = (over = {}) => request({ prompt: 'a fox', model: 'klein-4b', ...over });
const kleinEstimate = estimateImage(klein(), DEFAULT_PRICES);

describe('the jobs service (fake provider)', () => {
  it('stores `submitting` before the provider is called, and its answer before waiting', async () => {
    const c = await started();
    let id = '';
    let atSubmit: TaskRow | undefined;
    let atWait: TaskRow | undefined;
    c.provider.onSubmit(() => {
      atSubmit = c.store.getTasks(id)[0];
      return {
        taskId: 'bfl-1',
        pollingUrl: 'https://api.eu2.bfl.ai/v1/get_result?id=bfl-1',
        costMicros: 30_000,
      };
    });
    const wait = c.provider.waitForResult.bind(c.provider);
    c.provider.waitForResult = (task, opts) => {
      atWait = c.store.getTasks(id)[0];
      return wait(task, opts);
    };
    id = (await c.jobs.create({ request: klein(), origin: origin() })).id;
    await c.waitingFor(1);
    expect(atSubmit?.state).toBe('submitting');
    expect(atWait).toMatchObject({
      state: 'submitted',
      submitted: { taskId: 'bfl-1', pollingUrl: 'https://api.eu2.bfl.ai/v1/get_result?id=bfl-1' },
    });
    expect(c.store.findTask('bfl-1')).toEqual({ jobId: id, index: 0 });
  });

  it('gives each image its own task, seed and slot, and sends the provider a hashed user id', async () => {
    const c = await started({ maxActive: 3 });
    const job = await c.jobs.create({
      request: klein({ count: 3, seed: 4_294_967_294 }),
      origin: origin('alice'),
    });
    await c.waitingFor(3);
    expect(c.provider.submits.map((s) => s.seed)).toEqual([4_294_967_294, 4_294_967_295, 0]);
    const users = new Set(c.provider.submits.map((s) => s.user));
    expect(users.size).toBe(1);
    const [user] = users;
    expect(user).toMatch(/^[0-9a-f]{32}$/);
    expect(user).not.toContain('alice');
    for (const t of c.provider.waiting()) c.provider.finish(t);
    const end = await c.ended(job.id);
    expect(end.type === 'ready' && end.images.map((i) => i.seed)).toEqual([4_294_967_294, 4_294_967_295, 0]);
    // The same member on another platform is another person to the provider.
    await c.jobs.create({ request: klein(), origin: origin('alice', 'slack') });
    await c.waitingFor(1);
    expect(c.provider.submits.at(-1)?.user).not.toBe(user);
  });

  it('settles each image’s cost: the result’s, else the submit’s, else the estimate (marked); moderated is free', async () => {
    const c = await started();
    c.provider.onSubmit((_, n) => ({
      taskId: `t${n}`,
      pollingUrl: `https://p/t${n}`,
      ...(n === 1 ? { costMicros: 22_000 } : {}),
    }));
    const job = await c.jobs.create({ request: klein({ count: 4, seed: 1 }), origin: origin() });
    await c.waitingFor(4);
    c.provider.finish('t0', { costMicros: 11_000 });
    c.provider.finish('t1');
    c.provider.finish('t2');
    c.provider.fail('t3', moderated());
    const end = await c.ended(job.id);
    expect(end.type).toBe('ready');
    if (end.type !== 'ready') return;
    expect(end.images.map((i) => [i.seed, i.costMicros])).toEqual([
      [1, 11_000],
      [2, 22_000],
      [3, kleinEstimate],
    ]);
    expect(end.job.tasks.map((t) => t.costEstimated ?? false)).toEqual([false, false, true, false]);
    expect(end.job.tasks[3]).toMatchObject({
      costMicros: 0,
      error: { code: 'CONTENT_MODERATED', charge: 'none' },
    });
    expect(end.job.costMicros).toBe(11_000 + 22_000 + kleinEstimate);
    expect(end.job.costEstimated).toBe(true);
    await until(async () => (await c.jobs.get(job.id))?.state === 'delivered', 10_000, 'delivered');
    expect(c.store.getTasks(job.id, true).every((t) => !t.image)).toBe(true);
  });

  it('fails a job whose every image failed with the first error, keeping the estimate where a charge is unknown', async () => {
    const c = await started();
    const job = await c.jobs.create({ request: klein({ count: 2 }), origin: origin() });
    await c.waitingFor(2);
    c.provider.fail('t1', moderated());
    c.provider.fail('t0', failedUnknown());
    const end = await c.ended(job.id);
    expect(end).toMatchObject({ type: 'failed', error: { code: 'TASK_FAILED', charge: 'unknown' } });
    expect(end.job).toMatchObject({ state: 'failed', costMicros: kleinEstimate, costEstimated: true });
    expect((await c.jobs.get(job.id))?.state).toBe('failed');
  });

  it('frees the slot the moment a task is terminal, before its delivery finishes', async () => {
    let release: () => void = () => undefined;
    const delivering = new Promise<void>((r) => {
      release = r;
    });
    const c = await started({ maxActive: 1, onEvent: (e) => (e.type === 'ready' ? delivering : undefined) });
    const first = await c.jobs.create({ request: klein(), origin: origin('a') });
    const second = await c.jobs.create({ request: klein(), origin: origin('b') });
    await c.waitingFor(1);
    c.provider.finish('t0');
    await until(() => c.provider.waiting().includes('t1'), 10_000, 'the second job to be submitted');
    // The first job's upload is still under way.
    expect((await c.jobs.get(first.id))?.state).toBe('ready');
    release();
    await until(
      async () => (await c.jobs.get(first.id))?.state === 'delivered',
      10_000,
      'the first delivery',
    );
    c.provider.finish('t1');
    expect((await c.ended(second.id)).type).toBe('ready');
  });

  it('tells the provider how long this model usually takes, learning from what it sees', async () => {
    const c = await started();
    await c.jobs.create({ request: klein(), origin: origin() });
    await c.waitingFor(1);
    const typical = catalog['klein-4b'].typicalMs;
    expect(c.provider.waitCalls[0]?.options.expectedMs).toBe(typical);
    c.provider.ready('t0', { generationMs: typical / 4 });
    c.provider.finish('t0');
    await until(async () => (await c.jobs.get(c.events[0]?.job.id as string))?.state === 'delivered');
    await c.jobs.create({ request: klein(), origin: origin() });
    await c.waitingFor(1);
    expect(c.provider.waitCalls[1]?.options.expectedMs).toBeLessThan(typical);
  });

  it('wakes the poller of a task a webhook names', async () => {
    const c = await started();
    await c.jobs.create({ request: klein(), origin: origin() });
    await c.waitingFor(1);
    expect(c.jobs.wake('nobody')).toBe(false);
    expect(c.jobs.wake('t0')).toBe(true);
    expect(c.provider.woken).toEqual(['t0']);
  });

  it('cancels only a job none of whose images has started, and never drops one that has', async () => {
    const c = await started({ maxActive: 2 });
    await c.jobs.create({ request: klein(), origin: origin('a') });
    // Its first image takes the second slot, its second waits in line.
    const split = await c.jobs.create({ request: klein({ count: 2 }), origin: origin('b') });
    const queued = await c.jobs.create({ request: klein({ count: 2 }), origin: origin('c') });
    await c.waitingFor(2);
    expect(await c.jobs.position(split.id)).toBe(0);
    await expect(c.jobs.cancel(split.id)).rejects.toThrow(
      expect.objectContaining({ code: 'JOB_NOT_CANCELLABLE' }),
    );
    const cancelled = await c.jobs.cancel(queued.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', costMicros: 0 });
    await expect(c.jobs.cancel('nope')).rejects.toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
    for (let i = 0; i < 3; i++) {
      await c.waitingFor(1);
      c.provider.finish(c.provider.waiting()[0] as string);
    }
    const end = await c.ended(split.id);
    expect(end.type === 'ready' && end.images).toHaveLength(2);
    expect(c.provider.submits).toHaveLength(3);
    expect(c.eventsOf(queued.id)).toEqual(['queued', 'cancelled']);
  });

  it('caps images waiting per person, naming count or queue, and frees places as images finish', async () => {
    const c = await started({ maxActive: 1, maxQueuedPerUser: 3 });
    const first = await c.jobs.create({ request: klein({ count: 2 }), origin: origin('g') });
    await expect(c.jobs.create({ request: klein({ count: 2 }), origin: origin('g') })).rejects.toThrow(
      expect.objectContaining({
        code: 'QUEUE_FULL',
        option: 'count',
        allowed: expect.stringContaining('at most 3'),
      }),
    );
    await c.jobs.create({ request: klein(), origin: origin('g') });
    await expect(c.jobs.create({ request: klein(), origin: origin('g') })).rejects.toThrow(
      expect.objectContaining({ code: 'QUEUE_FULL', option: 'queue' }),
    );
    await c.waitingFor(1);
    c.provider.finish('t0');
    await until(() => c.store.getTasks(first.id)[0]?.state === 'ready');
    await expect(c.jobs.create({ request: klein(), origin: origin('g') })).resolves.toBeDefined();
  });

  it('holds the cap when a job waiting for confirmation is confirmed after the line filled up', async () => {
    const c = await started({ maxActive: 1, maxQueuedPerUser: 2 });
    const held = await c.jobs.create({
      request: klein({ count: 2 }),
      origin: origin('g'),
      awaitConfirmation: true,
    });
    expect(held.state).toBe('awaiting_confirmation');
    await c.jobs.create({ request: klein(), origin: origin('g') });
    await expect(c.jobs.confirm(held.id)).rejects.toThrow(expect.objectContaining({ code: 'QUEUE_FULL' }));
    expect((await c.jobs.get(held.id))?.state).toBe('awaiting_confirmation');
  });

  it('sends only places that changed, after the queue changes', async () => {
    const c = await started({ maxActive: 1 });
    const a1 = await c.jobs.create({ request: klein(), origin: origin('a') });
    await c.waitingFor(1);
    const [a2, b1, c1] = await inOrder(3, (i) =>
      c.jobs.create({ request: klein(), origin: origin(['a', 'b', 'c'][i]) }),
    );
    // a has been served, so the newcomers b and c go ahead of a's second job.
    expect(await Promise.all([a1, a2, b1, c1].map((j) => c.jobs.position(j?.id as string)))).toEqual([
      0, 3, 1, 2,
    ]);
    expect(c.events.find((e) => e.type === 'queued' && e.job.id === a2?.id)).toMatchObject({ position: 1 });
    const places = () =>
      c.events
        .filter((e): e is Extract<JobEvent, { type: 'position' }> => e.type === 'position')
        .map((e) => [e.job.id, e.position]);
    await until(() => places().length === 1, 10_000, 'a2 to hear it moved back');
    expect(places()).toEqual([[a2?.id, 3]]);
    // a2 was just told #3, but #2 is near the front: it goes at once too (a job further back waits 5 s).
    await c.jobs.cancel(b1?.id as string);
    await until(() => places().length === 3, 10_000, 'the places after the cancel');
    expect(places().slice(1)).toEqual([
      [c1?.id, 1],
      [a2?.id, 2],
    ]);
  });

  it('sends no place to a job once it has started, though another of its images still waits', async () => {
    const c = await started({ maxActive: 1 });
    await c.jobs.create({ request: klein(), origin: origin('a') });
    await c.waitingFor(1);
    const y = await c.jobs.create({ request: klein(), origin: origin('c') });
    const x = await c.jobs.create({ request: klein({ count: 2 }), origin: origin('b') });
    const z = await c.jobs.create({ request: klein(), origin: origin('d') });
    // Round-robin: y, x's first image, z, x's second.
    expect(await Promise.all([y, x, z].map((j) => c.jobs.position(j.id)))).toEqual([1, 2, 3]);
    await c.jobs.cancel(y.id);
    await until(() => c.eventsOf(x.id).includes('position'), 10_000, 'x to move up');
    c.provider.finish('t0');
    await until(() => c.eventsOf(x.id).includes('started'), 10_000, 'x to start');
    // z moves up past x's second image; x itself has started and hears no place.
    await until(
      () => c.eventsOf(z.id).filter((e) => e === 'position').length === 2,
      10_000,
      'z to move up twice',
    );
    expect(c.eventsOf(x.id)).toEqual(['queued', 'position', 'started']);
  });

  it('backs off a 429 keeping the task, holds back other submits for its Retry-After, then completes both', async () => {
    const scheduler = createScheduler({ maxActive: 2 });
    const pauses: number[] = [];
    const pause = scheduler.pause.bind(scheduler);
    scheduler.pause = (ms) => {
      pauses.push(ms);
      pause(ms);
    };
    const c = await started({ scheduler });
    c.provider.onSubmit((spec, n) => {
      if (n === 0) throw rateLimited(0.3);
      return { taskId: spec.request.prompt, pollingUrl: 'https://p' };
    });
    const a = await c.jobs.create({ request: klein({ prompt: 'A' }), origin: origin('a') });
    await until(
      () => c.provider.submits.length === 1 && c.store.getTasks(a.id)[0]?.state === 'queued',
      10_000,
      'the 429',
    );
    expect(pauses).toEqual([300]);
    const b = await c.jobs.create({ request: klein({ prompt: 'B' }), origin: origin('b') });
    await c.waitingFor(2);
    expect(c.provider.submits.map((s) => s.request.prompt).sort()).toEqual(['A', 'A', 'B']);
    c.provider.finish('A');
    c.provider.finish('B');
    expect((await c.ended(a.id)).type).toBe('ready');
    expect((await c.ended(b.id)).type).toBe('ready');
  });

  it('stops at once during a long 429 backoff, leaving the task queued for the next start', async () => {
    const c = await started();
    c.provider.onSubmit(() => {
      throw rateLimited(60);
    });
    const job = await c.jobs.create({ request: klein(), origin: origin() });
    await until(
      () => c.provider.submits.length === 1 && c.store.getTasks(job.id)[0]?.state === 'queued',
      10_000,
      'the 429',
    );
    await c.jobs.stop();
    expect(c.store.getTasks(job.id)[0]?.state).toBe('queued');
    await expect(c.jobs.create({ request: klein(), origin: origin() })).rejects.toThrow(
      expect.objectContaining({ code: 'SHUTTING_DOWN' }),
    );
  });
});
