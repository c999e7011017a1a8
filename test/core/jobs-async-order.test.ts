/**
 * Orders that held while the store answered synchronously, kept now that every store call is awaited:
 * a read and the write that depends on it are no longer one step, so two calls racing through them
 * must still come out as they did one after the other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/job-types.ts';
import { createJobs } from '../../src/core/jobs.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { DEFAULT_PRICES } from '../../src/core/pricing.ts';
import type { AsyncStore } from '../../src/core/store/port.ts';
import { createSqliteStore } from '../../src/core/store/sqlite.ts';
import { toAsyncStore } from '../../src/core/store/sqlite-async.ts';
import { catalog, origin, request, tempDb } from '../support/core.ts';
import { createFakeProvider } from '../support/fake-provider.ts';
import { inOrder } from '../support/in-order.ts';
import { createHarness, type Harness, type HarnessOptions } from '../support/jobs-harness.ts';
import { until } from '../support/until.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
async function started(options: HarnessOptions = {}): Promise<Harness> {
  h = createHarness(options);
  await h.jobs.start();
  return h;
}
const klein = (over = {}) => request({ prompt: 'a fox', model: 'klein-4b', ...over });
const outcomes = (settled: PromiseSettledResult<unknown>[]) =>
  settled.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code?: string }).code));

describe('the jobs service over an asynchronous store', () => {
  it('admits two requests racing for the last places of a person’s line only as far as they fit', async () => {
    const c = await started({ maxActive: 1, maxQueuedPerUser: 3 });
    const racing = await Promise.allSettled([
      c.jobs.create({ request: klein({ count: 2 }), origin: origin('g') }),
      c.jobs.create({ request: klein({ count: 2 }), origin: origin('g') }),
    ]);
    expect(outcomes(racing)).toEqual(['ok', 'QUEUE_FULL']);
    // The refused one released what it held: one more image fits, a second does not.
    await c.jobs.create({ request: klein(), origin: origin('g') });
    await expect(c.jobs.create({ request: klein(), origin: origin('g') })).rejects.toThrow(
      expect.objectContaining({ code: 'QUEUE_FULL' }),
    );
  });

  it('queues a job confirmed twice at once only once', async () => {
    const c = await started({ maxActive: 1 });
    const held = await c.jobs.create({
      request: klein({ count: 2 }),
      origin: origin(),
      awaitConfirmation: true,
    });
    const confirms = await Promise.allSettled([c.jobs.confirm(held.id), c.jobs.confirm(held.id)]);
    expect(outcomes(confirms)).toEqual(['ok', 'JOB_NOT_CANCELLABLE']);
    for (let i = 0; i < 2; i++) {
      await c.waitingFor(1);
      c.provider.finish(c.provider.waiting()[0] as string);
    }
    expect((await c.ended(held.id)).type).toBe('ready');
    expect(c.provider.submits).toHaveLength(2);
    expect(c.eventsOf(held.id).filter((e) => e === 'queued')).toHaveLength(1);
  });

  it('does not confirm a job its deadline or a cancel is closing at the same moment', async () => {
    const c = await started();
    const held = await c.jobs.create({ request: klein(), origin: origin(), awaitConfirmation: true });
    const both = await Promise.allSettled([c.jobs.cancel(held.id), c.jobs.confirm(held.id)]);
    expect(outcomes(both)).toEqual(['ok', 'CONFIRMATION_EXPIRED']);
    expect(c.store.getJob(held.id)?.state).toBe('cancelled');
    expect(c.provider.submits).toHaveLength(0);
  });

  it('starts a job once and delivers it once when its images start and finish together', async () => {
    const c = await started({ maxActive: 4 });
    const job = await c.jobs.create({ request: klein({ count: 3 }), origin: origin() });
    await c.waitingFor(3);
    for (const t of c.provider.waiting()) c.provider.finish(t);
    await c.ended(job.id);
    await until(() => c.store.getJob(job.id)?.state === 'delivered', 10_000, 'delivered');
    expect(c.eventsOf(job.id).filter((e) => e === 'started')).toHaveLength(1);
    expect(c.eventsOf(job.id).filter((e) => e === 'ready')).toHaveLength(1);
  });

  it('keeps both of two delivery patches made at once', async () => {
    const c = await started({ maxActive: 1 });
    const job = await c.jobs.create({ request: klein(), origin: origin() });
    await Promise.all([
      c.jobs.updateDelivery(job.id, { cardId: 'm1' }),
      c.jobs.updateDelivery(job.id, { threadId: 't1' }),
    ]);
    expect(c.store.getJob(job.id)?.delivery).toMatchObject({ cardId: 'm1', threadId: 't1' });
  });
});

/** The store behind a network: every call answers 0–5 ms later, in no fixed order, as Postgres does. */
function slow(store: AsyncStore): AsyncStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 6));
        return value.apply(target, args);
      };
    },
  });
}

/** The jobs service over the fake provider and a SQLite file behind `slow`; closed after each test. */
function slowJobs(maxActive: number) {
  const file = createSqliteStore(tempDb());
  const provider = createFakeProvider();
  const jobs = createJobs({
    store: slow(toAsyncStore(file)),
    provider,
    catalog,
    prices: DEFAULT_PRICES,
    maxActive,
    maxQueuedPerUser: 100,
    logger: silentLogger(),
    positionDebounceMs: 5,
  });
  const events: JobEvent[] = [];
  jobs.attach('cli', { handle: async (e) => void events.push(e) });
  closing.push(async () => {
    await jobs.stop();
    file.close();
  });
  const eventsOf = (id: string) => events.filter((e) => e.job.id === id).map((e) => e.type);
  return { file, provider, jobs, eventsOf };
}
const closing: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

describe('the jobs service over a store that answers late', () => {
  it('delivers a job once when its images finish together, however late the store answers', async () => {
    const { file, provider, jobs, eventsOf } = slowJobs(20);
    await jobs.start();
    const created = await inOrder(10, () => jobs.create({ request: klein({ count: 2 }), origin: origin() }));
    await until(() => provider.waiting().length === 20, 10_000, 'every image submitted');
    for (const t of provider.waiting()) provider.finish(t);
    for (const job of created)
      await until(() => file.getJob(job.id)?.state === 'delivered', 10_000, 'delivered');
    for (const job of created) expect(eventsOf(job.id)).toEqual(['queued', 'started', 'ready']);
  });

  it('sends no place to a job from the moment one of its images has a slot, before the store says so', async () => {
    const { provider, jobs, eventsOf } = slowJobs(1);
    await jobs.start();
    await jobs.create({ request: klein(), origin: origin('a') });
    await until(() => provider.waiting().length === 1, 10_000, 'the first job to start');
    // The line: y, x's first image, z, x's second. y leaves, so x hears a place (and its card is kept).
    const y = await jobs.create({ request: klein(), origin: origin('c') });
    const x = await jobs.create({ request: klein({ count: 2 }), origin: origin('b') });
    const z = await jobs.create({ request: klein(), origin: origin('d') });
    await jobs.cancel(y.id);
    await until(() => eventsOf(x.id).includes('position'), 10_000, 'x to move up');
    provider.finish('t0');
    await until(() => eventsOf(z.id).filter((e) => e === 'position').length === 2, 10_000, 'z to move up');
    await until(() => eventsOf(x.id).includes('started'), 10_000, 'x to start');
    expect(eventsOf(x.id)).toEqual(['queued', 'position', 'started']);
  });
});
