/**
 * The jobs service with the real BFL provider against the loopback fake BFL: what a member and an admin
 * would see. The crash-and-resume cases (a child process killed with SIGKILL) are in jobs-resume.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import type { JobEvent } from '../../src/core/job-types.ts';
import { type Core, origin, request } from '../support/core.ts';
import { inOrder } from '../support/in-order.ts';
import { until } from '../support/until.ts';
import { useCores } from '../support/use-cores.ts';

const fakes = useCores({ generationMs: 20 });
let core: Core;

const klein = (prompt: string, over = {}) => request({ prompt, model: 'klein-4b', ...over });
const submitOrder = () =>
  [...fakes.bfl.tasks.values()]
    .sort((x, y) => x.submittedAt - y.submittedAt)
    .map((t) => String(t.body.prompt));

describe('jobs against the fake BFL', () => {
  it('generates, downloads and delivers an image with the provider’s cost', async () => {
    core = fakes.core();
    await core.jobs.start();
    const job = await core.jobs.create({ request: klein('a fox'), origin: origin() });
    const end = await core.done(job.id);
    expect(end.type).toBe('ready');
    if (end.type !== 'ready') return;
    expect(end.images).toHaveLength(1);
    expect(end.images[0]?.contentType).toBe('image/jpeg');
    expect(end.job.costMicros).toBe(45_000);
    expect(end.job.costEstimated).toBeUndefined();
    await until(async () => (await core.jobs.get(job.id))?.state === 'delivered', 10_000, 'delivered');
    expect(fakes.bfl.counts.accepted).toBe(1);
  });

  it('serves users round-robin: a burst of 20 does not starve the next user', async () => {
    core = fakes.core({ maxActive: 2 });
    await core.jobs.start();
    const a = await inOrder(20, (i) =>
      core.jobs.create({ request: klein(`a${i}`), origin: origin('alice') }),
    );
    await until(() => fakes.bfl.counts.accepted >= 2, 10_000, 'alice to take both slots');
    const b = await core.jobs.create({ request: klein('b0'), origin: origin('bob') });
    await Promise.all([...a, b].map((j) => core.done(j.id)));
    // Alice's burst holds both slots when Bob arrives; he goes next, before the rest of it.
    expect(submitOrder().indexOf('b0')).toBe(2);
  });

  it('knows every queued job’s place in line and sends changes as they happen', async () => {
    core = fakes.core({ maxActive: 1 });
    fakes.bfl.configure({ generationMs: 150 });
    await core.jobs.start();
    const jobs = [await core.jobs.create({ request: klein('p0'), origin: origin('a') })];
    await until(() => fakes.bfl.counts.accepted === 1, 10_000, 'the first job to start');
    for (const [i, u] of ['a', 'b', 'c'].entries())
      jobs.push(await core.jobs.create({ request: klein(`p${i + 1}`), origin: origin(u) }));
    // The first one is running; round-robin puts a's second job after b and c.
    expect(await Promise.all(jobs.map((j) => core.jobs.position(j.id)))).toEqual([0, 3, 1, 2]);
    await Promise.all(jobs.map((j) => core.done(j.id)));
    const placesOf = (id?: string) =>
      core.events
        .filter((e): e is Extract<JobEvent, { type: 'position' }> => e.type === 'position' && e.job.id === id)
        .map((e) => e.position);
    // Queued when only the running job existed (#1), then b and c went ahead of a's second job.
    expect(core.events.find((e) => e.type === 'queued' && e.job.id === jobs[1]?.id)).toMatchObject({
      position: 1,
    });
    // Each of its places is among the first 3, so each is told at once however soon after the last one.
    expect(placesOf(jobs[1]?.id)).toEqual([3, 2, 1]);
    // b was told #1 when queued and never moved: no event repeats it.
    expect(placesOf(jobs[2]?.id)).toEqual([]);
    expect(submitOrder()).toEqual(['p0', 'p2', 'p3', 'p1']);
  });

  it('cancels a queued job, and refuses to cancel one that started', async () => {
    core = fakes.core({ maxActive: 1 });
    fakes.bfl.configure({ generationMs: 200 });
    await core.jobs.start();
    const running = await core.jobs.create({ request: klein('first'), origin: origin() });
    await until(
      async () => (await core.jobs.get(running.id))?.state === 'running',
      10_000,
      'the first job to start',
    );
    const queued = await core.jobs.create({ request: klein('second', { count: 2 }), origin: origin() });
    const cancelled = await core.jobs.cancel(queued.id);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.costMicros).toBe(0);
    await expect(core.jobs.cancel(running.id)).rejects.toThrow(
      expect.objectContaining({ code: 'JOB_NOT_CANCELLABLE' }),
    );
    await expect(core.jobs.cancel('nope')).rejects.toThrow(
      expect.objectContaining({ code: 'JOB_NOT_FOUND' }),
    );
    await core.done(running.id);
    expect(submitOrder()).toEqual(['first']);
    expect(core.events.some((e) => e.type === 'cancelled' && e.job.id === queued.id)).toBe(true);
  });

  it('caps the images one person may have waiting, with a clear error', async () => {
    core = fakes.core({ maxActive: 1, maxQueuedPerUser: 3 });
    await core.jobs.create({ request: klein('one', { count: 2 }), origin: origin('greedy') });
    let err: unknown;
    try {
      await core.jobs.create({ request: klein('two', { count: 2 }), origin: origin('greedy') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: 'QUEUE_FULL', option: 'count' });
    expect((err as ValidationError).allowed).toContain('at most 3');
    // Someone else is not affected.
    await expect(
      core.jobs.create({ request: klein('other'), origin: origin('other') }),
    ).resolves.toBeDefined();
  });

  it('waits out 429s while another app on the same key holds every slot, and loses no job', async () => {
    core = fakes.core({ maxActive: 4 });
    await core.jobs.start();
    // Another app takes all 24 of the account's slots for a while.
    fakes.bfl.configure({ generationMs: 1_500, retryAfter: 0.3 });
    const other = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        fetch(`${fakes.bfl.url}/v1/flux-2-klein-4b`, {
          method: 'POST',
          headers: { 'x-key': 'bfl_test_key_0123456789', 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: `other app ${i}` }),
        }).then((r) => r.status),
      ),
    );
    expect(other.every((s) => s === 200)).toBe(true);
    fakes.bfl.configure({ generationMs: 20 });
    const jobs = await inOrder(4, (i) =>
      core.jobs.create({ request: klein(`busy ${i}`), origin: origin(`u${i}`) }),
    );
    const ends = await Promise.all(jobs.map((j) => core.done(j.id)));
    expect(ends.map((e) => e.type)).toEqual(['ready', 'ready', 'ready', 'ready']);
    expect(fakes.bfl.counts.rateLimited).toBeGreaterThan(0);
    expect(fakes.bfl.counts.accepted).toBe(24 + 4);
  });

  it('delivers the images that came when one of four was moderated, and charges nothing for it', async () => {
    core = fakes.core();
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
    const job = await core.jobs.create({
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
    core = fakes.core();
    await core.jobs.start();
    const moderated = await core.jobs.create({ request: klein('[request-moderated] x'), origin: origin() });
    const broke = await core.jobs.create({ request: klein('[402] x'), origin: origin('u2') });
    const [m, b] = await Promise.all([core.done(moderated.id), core.done(broke.id)]);
    expect(m).toMatchObject({ type: 'failed', error: { code: 'REQUEST_MODERATED', charge: 'none' } });
    expect(m.job.costMicros).toBe(0);
    expect(b).toMatchObject({ type: 'failed', error: { code: 'PROVIDER_OUT_OF_CREDITS', charge: 'none' } });
  });

  it('holds the provider limit: never more tasks active at BFL than slots', async () => {
    core = fakes.core({ maxActive: 3 });
    fakes.bfl.configure({ generationMs: 30 });
    await core.jobs.start();
    const jobs = await inOrder(12, (i) =>
      core.jobs.create({ request: klein(`p${i}`), origin: origin(`u${i % 4}`) }),
    );
    await Promise.all(jobs.map((j) => core.done(j.id)));
    expect(fakes.bfl.counts.maxActiveSeen).toBeLessThanOrEqual(3);
    expect(fakes.bfl.counts.rateLimited).toBe(0);
  });

  it('submits the next task once BFL says Ready, while the first image is still downloading', async () => {
    core = fakes.core({ maxActive: 1 });
    fakes.bfl.configure({ holdDeliveries: true });
    await core.jobs.start();
    const first = await core.jobs.create({ request: klein('first'), origin: origin('a') });
    const second = await core.jobs.create({ request: klein('second'), origin: origin('b') });
    await until(() => fakes.bfl.counts.accepted === 2, 10_000, 'the second submit');
    // No sample served yet: the first image is not in hand, and stays `submitted` until it is.
    expect(fakes.bfl.counts.downloads).toBe(0);
    expect(core.store.getTasks(first.id)[0]?.state).toBe('submitted');
    fakes.bfl.configure({ holdDeliveries: false });
    expect((await core.done(first.id)).type).toBe('ready');
    expect((await core.done(second.id)).type).toBe('ready');
    expect([fakes.bfl.counts.maxActiveSeen, fakes.bfl.counts.rateLimited]).toEqual([1, 0]);
  });

  it('a stop mid-download keeps the task submitted; the next start downloads it without a new submit', async () => {
    const before = fakes.core({ maxActive: 1 });
    fakes.bfl.configure({ holdDeliveries: true });
    await before.jobs.start();
    const job = await before.jobs.create({ request: klein('cut off'), origin: origin() });
    await until(() => fakes.bfl.requestsTo('delivery').length === 1, 10_000, 'the download to start');
    await before.close();
    fakes.bfl.configure({ holdDeliveries: false });
    core = fakes.core({ dbPath: before.dbPath });
    await core.jobs.start();
    expect((await core.done(job.id)).type).toBe('ready');
    expect(fakes.bfl.counts.accepted).toBe(1);
    expect(fakes.bfl.requestsTo('delivery')).toHaveLength(2);
  });

  it('polls at once when a webhook says the task changed', async () => {
    // Expected to take ten minutes: without the wake the first poll would come long after the test's limit.
    core = fakes.core({ typicalMs: 600_000 });
    fakes.bfl.configure({ generationMs: 10 });
    await core.jobs.start();
    const job = await core.jobs.create({
      request: request({ prompt: 'hook', model: 'pro' }),
      origin: origin(),
    });
    await until(() => core.store.getTasks(job.id)[0]?.state === 'submitted', 10_000, 'the submit');
    const taskId = core.store.getTasks(job.id)[0]?.submitted?.taskId as string;
    await until(
      () => (fakes.bfl.tasks.get(taskId)?.readyAt ?? Infinity) <= Date.now(),
      10_000,
      'the fake to finish',
    );
    expect(core.jobs.wake('unknown')).toBe(false);
    expect(core.jobs.wake(taskId)).toBe(true);
    const end = await core.done(job.id);
    expect(end.type).toBe('ready');
    expect(fakes.bfl.tasks.get(taskId)?.polls).toBe(1);
  });
});
