import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import type { JobEvent } from '../../src/core/job-types.ts';
import { type FakeBfl, startFakeBfl } from '../fakes/bfl-server.ts';
import { buildCore, origin, request } from '../support/core.ts';

let bfl: FakeBfl;
let core: ReturnType<typeof buildCore>;
beforeEach(async () => {
  bfl = await startFakeBfl({ generationMs: 20 });
});
afterEach(async () => {
  await core?.close();
  await bfl.close();
});

const klein = (prompt: string, over = {}) => request({ prompt, model: 'klein-4b', ...over });

describe('the jobs service', () => {
  it('serves users round-robin: a burst of 20 does not starve the next user', async () => {
    core = buildCore(bfl, { maxActive: 2 });
    await core.jobs.start();
    const a = Array.from({ length: 20 }, (_, i) =>
      core.jobs.create({ request: klein(`a${i}`), origin: origin('alice') }),
    );
    const b = core.jobs.create({ request: klein('b0'), origin: origin('bob') });
    await Promise.all([...a, b].map((j) => core.done(j.id)));
    const order = [...bfl.tasks.values()]
      .sort((x, y) => x.submittedAt - y.submittedAt)
      .map((t) => String(t.body.prompt));
    // Alice's first two took both slots; Bob goes next, before the rest of Alice's burst.
    expect(order.indexOf('b0')).toBeLessThanOrEqual(2);
  });

  it('knows every queued job’s place in line and sends changes as they happen', async () => {
    core = buildCore(bfl, { maxActive: 1 });
    bfl.configure({ generationMs: 150 });
    await core.jobs.start();
    const jobs = ['a', 'a', 'b', 'c'].map((u, i) =>
      core.jobs.create({ request: klein(`p${i}`), origin: origin(u) }),
    );
    // The first one is running; round-robin puts a's second job after b and c.
    expect(jobs.map((j) => core.jobs.position(j.id))).toEqual([0, 3, 1, 2]);
    await Promise.all(jobs.map((j) => core.done(j.id)));
    const positions = core.events.filter(
      (e): e is Extract<JobEvent, { type: 'position' }> => e.type === 'position' && e.job.id === jobs[1]?.id,
    );
    // Queued when only the running job existed (#1), then b and c went ahead of a's second job.
    expect(
      jobs[1]?.id && core.events.find((e) => e.type === 'queued' && e.job.id === jobs[1]?.id),
    ).toMatchObject({ position: 1 });
    expect(positions.map((p) => p.position)).toEqual([3, 2, 1]);
  });

  it('cancels a queued job, and refuses to cancel one that started', async () => {
    core = buildCore(bfl, { maxActive: 1 });
    bfl.configure({ generationMs: 200 });
    await core.jobs.start();
    const running = core.jobs.create({ request: klein('first'), origin: origin() });
    const queued = core.jobs.create({ request: klein('second', { count: 2 }), origin: origin() });
    const cancelled = core.jobs.cancel(queued.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.costMicros).toBe(0);
    expect(() => core.jobs.cancel(running.id)).toThrow(
      expect.objectContaining({ code: 'JOB_NOT_CANCELLABLE' }),
    );
    expect(() => core.jobs.cancel('nope')).toThrow(expect.objectContaining({ code: 'JOB_NOT_FOUND' }));
    await core.done(running.id);
    expect([...bfl.tasks.values()].map((t) => t.body.prompt)).toEqual(['first']);
    expect(core.events.some((e) => e.type === 'cancelled' && e.job.id === queued.id)).toBe(true);
  });

  it('caps the images one person may have waiting, with a clear error', async () => {
    core = buildCore(bfl, { maxActive: 1, maxQueuedPerUser: 3 });
    core.jobs.create({ request: klein('one', { count: 2 }), origin: origin('greedy') });
    let err: unknown;
    try {
      core.jobs.create({ request: klein('two', { count: 2 }), origin: origin('greedy') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).code).toBe('QUEUE_FULL');
    expect((err as ValidationError).allowed).toContain('at most 3');
    // Someone else is not affected.
    expect(() => core.jobs.create({ request: klein('other'), origin: origin('other') })).not.toThrow();
  });

  it('waits out 429s from another app on the same key and loses no job', async () => {
    core = buildCore(bfl, { maxActive: 4 });
    bfl.configure({ maxActive: 0, retryAfter: 0.3 });
    await core.jobs.start();
    const jobs = Array.from({ length: 4 }, (_, i) =>
      core.jobs.create({ request: klein(`busy ${i}`), origin: origin(`u${i}`) }),
    );
    await new Promise((r) => setTimeout(r, 400));
    expect(bfl.counts.rateLimited).toBeGreaterThan(0);
    bfl.configure({ maxActive: 24 });
    const ends = await Promise.all(jobs.map((j) => core.done(j.id)));
    expect(ends.map((e) => e.type)).toEqual(['ready', 'ready', 'ready', 'ready']);
    expect(bfl.counts.accepted).toBe(4);
  });

  it('delivers the images that came when one of four was moderated, and charges nothing for it', async () => {
    core = buildCore(bfl);
    await core.jobs.start();
    let n = 0;
    // The fake picks outcomes by prompt, so make the second task's prompt differ via a wrapped provider.
    const submit = core.provider.submit.bind(core.provider);
    core.provider.submit = (spec, signal) =>
      submit(
        n++ === 1
          ? { ...spec, request: { ...spec.request, prompt: `${spec.request.prompt} [content-moderated]` } }
          : spec,
        signal,
      );
    const job = core.jobs.create({
      request: request({ prompt: 'four', model: 'pro', count: 4, seed: 10 }),
      origin: origin(),
    });
    const end = await core.done(job.id);
    expect(end.type).toBe('ready');
    if (end.type !== 'ready') return;
    expect(end.images.map((i) => i.seed)).toEqual([10, 12, 13]);
    expect(end.job.tasks[1]?.error).toMatchObject({ code: 'CONTENT_MODERATED', charge: 'none' });
    expect(end.job.costMicros).toBe(3 * 45_000);
    expect(end.job.estimateMicros).toBe(4 * 45_000);
  });

  it('fails a job whose every task failed, with the first error and what it cost', async () => {
    core = buildCore(bfl);
    await core.jobs.start();
    const moderated = core.jobs.create({ request: klein('[request-moderated] x'), origin: origin() });
    const broke = core.jobs.create({ request: klein('[402] x'), origin: origin('u2') });
    const [m, b] = await Promise.all([core.done(moderated.id), core.done(broke.id)]);
    expect(m).toMatchObject({ type: 'failed', error: { code: 'REQUEST_MODERATED', charge: 'none' } });
    expect(m.job.costMicros).toBe(0);
    expect(b).toMatchObject({ type: 'failed', error: { code: 'PROVIDER_OUT_OF_CREDITS', charge: 'none' } });
  });

  it('holds the provider limit: never more tasks active at BFL than slots', async () => {
    core = buildCore(bfl, { maxActive: 3 });
    bfl.configure({ generationMs: 30 });
    await core.jobs.start();
    const jobs = Array.from({ length: 12 }, (_, i) =>
      core.jobs.create({ request: klein(`p${i}`), origin: origin(`u${i % 4}`) }),
    );
    await Promise.all(jobs.map((j) => core.done(j.id)));
    expect(bfl.counts.maxActiveSeen).toBeLessThanOrEqual(3);
    expect(bfl.counts.rateLimited).toBe(0);
  });

  it('polls at once when a webhook says the task changed', async () => {
    core = buildCore(bfl);
    bfl.configure({ generationMs: 10 });
    await core.jobs.start();
    // pro is expected to take seconds: without a wake the first poll would come much later.
    const job = core.jobs.create({ request: request({ prompt: 'hook', model: 'pro' }), origin: origin() });
    for (let i = 0; i < 100 && core.store.getTasks(job.id)[0]?.state !== 'submitted'; i++)
      await new Promise((r) => setTimeout(r, 5));
    const taskId = core.store.getTasks(job.id)[0]?.submitted?.taskId as string;
    await new Promise((r) => setTimeout(r, 20));
    expect(core.jobs.wake(taskId)).toBe(true);
    expect(core.jobs.wake('unknown')).toBe(false);
    const end = await core.done(job.id);
    expect(end.type).toBe('ready');
    expect(bfl.tasks.get(taskId)?.polls).toBe(1);
  });
});
