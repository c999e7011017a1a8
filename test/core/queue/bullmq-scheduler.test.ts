import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

/** The scheduler, once its cached view includes every change made so far. */
async function fresh(s: DistributedScheduler): Promise<DistributedScheduler> {
  await s.refresh();
  return s;
}

/** Tasks the test ends by hand: records start order and times, and the peak running at once. */
function tasks() {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  const startedAt = new Map<string, number>();
  unblock.push(() => {
    for (const end of [...release.values()]) end();
  });
  let active = 0;
  let peak = 0;
  const resolver =
    () =>
    (key: string): TaskRun =>
    () => {
      started.push(key);
      startedAt.set(key, Date.now());
      peak = Math.max(peak, ++active);
      return new Promise<void>((resolve) =>
        release.set(key, () => {
          release.delete(key);
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
    options: Partial<BullmqSchedulerOptions> & {
      resolve: (key: string) => TaskRun | undefined;
      onFailed?: (key: string, err: Error) => void;
    },
  ) {
    const { resolve, onFailed, ...rest } = options;
    const s = await createBullmqScheduler({
      connection,
      queueName,
      maxActive: 1,
      lockDurationMs: 2_000,
      stalledIntervalMs: 1_000,
      viewDebounceMs: 10,
      onError: (err) => console.error('scheduler error', err),
      ...rest,
    });
    s.start(resolve, onFailed);
    open.push(s);
    return s;
  }
  afterEach(() => {
    queueName = '';
  });
  beforeEach(() => {
    queueName = `q-${randomUUID()}`;
  });

  it('never runs more tasks than the global limit across two processes’ schedulers', async () => {
    const t = tasks();
    const one = await scheduler({ maxActive: 3, resolve: t.resolver() });
    const two = await scheduler({ maxActive: 3, resolve: t.resolver() });
    for (let i = 0; i < 18; i++) await (i % 2 ? one : two).enqueue(`u${i % 5}`, `k${i}:0`);
    await until(() => t.active() >= 3, 10_000, 'three to run');
    // However the three are spread, the two workers have 3 free local slots between them and 15 tasks
    // wait (each add wakes an idle worker): only the queue's global concurrency keeps them at 3.
    await new Promise((r) => setTimeout(r, 300));
    expect(t.active()).toBe(3);
    await t.drain(18);
    expect(t.peak()).toBe(3);
    await until(async () => (await fresh(one)).running === 0 && one.queued === 0, 5_000, 'an empty queue');
  });

  it('serves users round-robin by their place in line, as positions predicted', async () => {
    const t = tasks();
    const s = await scheduler({ resolve: t.resolver() });
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
    expect(s.queued).toBe(8);
    await t.drain(9);
    expect(t.started.slice(1)).toEqual(order);
  });

  it('waits out a provider 429 with BullMQ’s rate limit: the task is retried, not failed', async () => {
    const t = tasks();
    const failed: string[] = [];
    let attempts = 0;
    let limitedAt = 0;
    const s = await scheduler({
      maxActive: 2,
      onFailed: (key) => failed.push(key),
      resolve: (key) => {
        if (key !== 'r1:0') return t.resolver()(key);
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
    // Back in line, not failed, while the limit holds every start.
    await until(async () => (await fresh(s)).isQueued('r1:0'), 2_000, 'r1 back in line');
    await s.enqueue('U2', 'r2:0');
    await fresh(s);
    expect(s.position('r1:0')).toBe(1);
    await until(() => attempts === 2, 5_000, 'the retry');
    await t.finish('r2:0');
    const retriedAfter = Number(t.started.find((k) => k.startsWith('r1:0@'))?.split('@')[1]);
    expect(retriedAfter).toBeGreaterThanOrEqual(950);
    expect(failed).toEqual([]);
    // r2 came in while limited, with a slot free: it too waited for the limit to end.
    expect((t.startedAt.get('r2:0') as number) - limitedAt).toBeGreaterThanOrEqual(950);
  });

  it('removes a queued task for good, refuses one that started, and keeps places and counts', async () => {
    const t = tasks();
    const s = await scheduler({ resolve: t.resolver() });
    // A second process that only queues sees the same line.
    const other = await scheduler({ work: false, resolve: () => undefined });
    await s.enqueue('Z', 'blocker:0');
    await until(() => t.release.has('blocker:0'));
    await s.enqueue('A', 'a1:0');
    await other.enqueue('A', 'a2:0');
    await s.enqueue('B', 'b1:0');
    await other.enqueue('B', 'b1:0'); // The same task again: still queued once.
    await fresh(s);
    expect(s.positions()).toEqual(
      new Map([
        ['a1:0', 1],
        ['b1:0', 2],
        ['a2:0', 3],
      ]),
    );
    expect(s.queued).toBe(3);
    expect(s.isQueued('a1:0')).toBe(true);
    expect(await other.remove('a1:0')).toBe(true);
    expect(await other.remove('a1:0')).toBe(false);
    expect(other.isQueued('a1:0')).toBe(false);
    expect(await other.remove('blocker:0')).toBe(false);
    expect(await s.remove('unknown:0')).toBe(false);
    // a2 moved up to its user's first place: it is served after b1, already first at that level.
    await fresh(s);
    await fresh(other);
    const after = new Map([
      ['b1:0', 1],
      ['a2:0', 2],
    ]);
    expect(s.positions()).toEqual(after);
    expect(other.positions()).toEqual(after);
    expect([s.queued, other.queued]).toEqual([2, 2]);
    expect(s.running).toBe(1);
    // Asked of Redis, not of a view: a task waiting, one started, one removed, one never queued.
    expect(await other.waitingNow(['a2:0'])).toBe(true);
    expect(await other.waitingNow(['blocker:0'])).toBe(false);
    expect(await other.waitingNow(['a1:0', 'unknown:0'])).toBe(false);
    expect(await other.waitingNow(['blocker:0', 'b1:0'])).toBe(true);
    await t.drain(3);
    expect(t.started).toEqual(['blocker:0', 'b1:0', 'a2:0']);
  });

  it('hands the task of a process killed mid-task to another worker, which runs it by key', async () => {
    const lockMs = 1_000;
    const queuer = await scheduler({ work: false, resolve: () => undefined });
    await queuer.enqueue('A', 'job1:0');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/core/queue/stall-child.ts', String(connection.db), queueName, String(lockMs)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    unblock.push(() => child.kill('SIGKILL'));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('STARTED job1:0')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${out}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const killedAt = Date.now();
    await fresh(queuer);
    // BullMQ still counts it active (the dead worker's lock has not expired): nobody else may run it yet.
    expect(queuer.running).toBe(1);
    expect(queuer.isQueued('job1:0')).toBe(false);

    const resolved: string[] = [];
    const failed: string[] = [];
    let ran = 0;
    await scheduler({
      lockDurationMs: lockMs,
      stalledIntervalMs: 500,
      onFailed: (key) => failed.push(key),
      resolve: (key) => {
        resolved.push(key);
        return async () => {
          ran++;
        };
      },
    });
    await until(() => ran === 1, 10_000, 'the stalled task to run again');
    // Lock expiry plus two stalled checks (the first marks, the second moves), with slack.
    expect(Date.now() - killedAt).toBeLessThan(lockMs + 2 * 500 + 2_000);
    expect(resolved).toEqual(['job1:0']);
    await until(async () => (await fresh(queuer)).running === 0, 5_000, 'the task to complete');
    expect(failed).toEqual([]);
  });
});
