import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/core/errors.ts';
import {
  type BullmqSchedulerOptions,
  createBullmqScheduler,
  type DistributedScheduler,
  type TaskRun,
} from '../../../src/core/queue/bullmq-scheduler.ts';
import { until } from '../../support/until.ts';
import { openTestRedis } from './redis-db.ts';

const redis = await openTestRedis();
const open: DistributedScheduler[] = [];
/** Ends every task still running, so a failed test does not leave `stop` waiting for it. */
const unblock: Array<() => void> = [];

afterEach(async () => {
  for (const end of unblock.splice(0)) end();
  await Promise.all(open.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await redis?.close();
});

/** Tasks the test ends by hand: records start order, who ran them, and the peak running at once. */
function tasks() {
  const started: string[] = [];
  const ranBy: string[] = [];
  const release = new Map<string, () => void>();
  const startedAt = new Map<string, number>();
  const activeBy = new Map<string, number>();
  unblock.push(() => {
    for (const end of [...release.values()]) end();
  });
  let active = 0;
  let peak = 0;
  const resolver =
    (who: string) =>
    (key: string): TaskRun =>
    () => {
      started.push(key);
      startedAt.set(key, Date.now());
      ranBy.push(who);
      activeBy.set(who, (activeBy.get(who) ?? 0) + 1);
      peak = Math.max(peak, ++active);
      return new Promise<void>((resolve) =>
        release.set(key, () => {
          release.delete(key);
          activeBy.set(who, (activeBy.get(who) ?? 0) - 1);
          active--;
          resolve();
        }),
      );
    };
  const finish = async (key: string) => {
    await until(() => release.has(key), 10_000, `${key} to start`);
    release.get(key)?.();
  };
  /** Ends running tasks in start order until `total` have started and ended. */
  const drain = async (total: number) => {
    while (started.length < total || release.size) {
      await until(() => release.size > 0, 10_000, `a task to run (${started.length} of ${total} started)`);
      await finish(started.find((k) => release.has(k)) as string);
    }
  };
  return {
    started,
    startedAt,
    activeBy,
    ranBy,
    release,
    resolver,
    finish,
    drain,
    peak: () => peak,
    active: () => active,
  };
}

describe.skipIf(!redis)('the BullMQ scheduler (real Redis)', () => {
  const connection = redis?.connection as BullmqSchedulerOptions['connection'];
  let queueName = '';
  beforeAll(async () => {
    await redis?.flush();
  });

  async function scheduler(
    options: Partial<BullmqSchedulerOptions> & Pick<BullmqSchedulerOptions, 'resolve'>,
  ) {
    const s = await createBullmqScheduler({
      connection,
      queueName,
      maxActive: 1,
      lockDurationMs: 2_000,
      stalledIntervalMs: 1_000,
      viewDebounceMs: 10,
      onError: (err) => console.error('scheduler error', err),
      ...options,
    });
    open.push(s);
    return s;
  }
  afterEach(() => {
    queueName = '';
  });
  const fresh = () => {
    queueName = `q-${randomUUID()}`;
  };

  it('never runs more tasks than the global limit across two processes’ schedulers', async () => {
    fresh();
    const t = tasks();
    const one = await scheduler({ maxActive: 3, resolve: t.resolver('one') });
    const two = await scheduler({ maxActive: 3, resolve: t.resolver('two') });
    // The first three one by one, so both workers hold some (an idle worker takes what is added).
    for (let i = 0; i < 3; i++) {
      await one.enqueue(`u${i}`, `k${i}:0`);
      await until(() => t.active() === i + 1, 10_000, `task ${i} to run`);
    }
    expect(t.activeBy.get('one')).toBeGreaterThan(0);
    expect(t.activeBy.get('two')).toBeGreaterThan(0);
    for (let i = 3; i < 18; i++) await (i % 2 ? one : two).enqueue(`u${i % 5}`, `k${i}:0`);
    // Each worker has 3 local slots and free ones: only the queue's global concurrency holds them.
    await new Promise((r) => setTimeout(r, 300));
    expect(t.active()).toBe(3);
    await t.drain(18);
    expect(t.peak()).toBe(3);
    await until(async () => (await one.refresh(), one.running === 0 && one.queued === 0), 5_000, 'empty');
  });

  it('serves users round-robin by their place in line, as positions predicted', async () => {
    fresh();
    const t = tasks();
    const s = await scheduler({ resolve: t.resolver('s') });
    await s.enqueue('Z', 'blocker:0');
    await until(() => t.release.has('blocker:0'));
    for (let i = 1; i <= 5; i++) await s.enqueue('A', `A${i}:0`);
    await s.enqueue('B', 'B1:0');
    await s.enqueue('B', 'B2:0');
    await s.enqueue('C', 'C1:0');
    await s.refresh();
    const order = ['A1', 'B1', 'C1', 'A2', 'B2', 'A3', 'A4', 'A5'].map((k) => `${k}:0`);
    expect(s.positions()).toEqual(new Map(order.map((k, i) => [k, i + 1])));
    expect(s.position('A2:0')).toBe(4);
    expect([s.queuedBy('A'), s.queuedBy('B'), s.queuedBy('C'), s.queued]).toEqual([5, 2, 1, 8]);
    await t.drain(9);
    expect(t.started.slice(1)).toEqual(order);
  });

  it('waits out a provider 429 with BullMQ’s rate limit: the task is retried, not failed', async () => {
    fresh();
    const t = tasks();
    const failed: string[] = [];
    let attempts = 0;
    let limitedAt = 0;
    const s = await scheduler({
      maxActive: 2,
      onFailed: (key) => failed.push(key),
      resolve: (key) => {
        if (key !== 'r1:0') return t.resolver('s')(key);
        return async () => {
          if (++attempts === 1) {
            limitedAt = Date.now();
            throw new ProviderError('PROVIDER_RATE_LIMITED', 'busy', { status: 429, retryAfter: 1 });
          }
          t.started.push(`${key}@${Date.now() - limitedAt}`);
        };
      },
    });
    await s.enqueue('U1', 'r1:0');
    await until(() => attempts === 1, 5_000, 'the 429');
    await s.enqueue('U2', 'r2:0');
    // Back in line, not failed, while the limit holds every start.
    await until(async () => (await s.refresh(), s.isQueued('r1:0')), 2_000, 'r1 back in line');
    expect(s.position('r1:0')).toBe(1);
    await until(() => attempts === 2, 5_000, 'the retry');
    await t.finish('r2:0');
    const retriedAfter = Number(t.started.find((k) => k.startsWith('r1:0@'))?.split('@')[1]);
    expect(retriedAfter).toBeGreaterThanOrEqual(950);
    expect(failed).toEqual([]);
    // r2 came in while limited, with a slot free: it too waited for the limit to end.
    expect((t.startedAt.get('r2:0') as number) - limitedAt).toBeGreaterThanOrEqual(950);
  });
});
