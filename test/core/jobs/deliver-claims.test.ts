/**
 * Delivery claims where processes share the store (src/core/jobs/deliver.ts): a claim lasts 2 minutes
 * and is renewed every 40 s, in one call for all, while this process delivers or waits to retry; a
 * delivery given up holds it 10 minutes once. Over an in-memory job, a sink the test answers and a
 * claims store that records; time only moves when the test says so (clock and timers are fake).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobSink } from '../../../src/core/job-types.ts';
import { createDelivery, type DeliveryClaims } from '../../../src/core/jobs/deliver.ts';
import { createJobLocks } from '../../../src/core/jobs/job-locks.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import type { JobRow, TaskRow } from '../../../src/core/store/types.ts';
import { tinyPng } from '../../fakes/images.ts';
import { job, task } from '../store/contract.ts';

const MINUTE = 60_000;

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

interface Upload {
  jobId: string;
  resolve(): void;
  reject(err: Error): void;
}

/** Calls recorded in order; `nth(n)` resolves once there are n of them. */
function recorder<T>() {
  const calls: T[] = [];
  const waiting: Array<{ n: number; resolve(): void }> = [];
  return {
    calls,
    push(call: T) {
      calls.push(call);
      for (const w of waiting.filter((w) => calls.length >= w.n)) w.resolve();
    },
    nth: (n: number) =>
      new Promise<void>((resolve) => (calls.length >= n ? resolve() : waiting.push({ n, resolve }))),
  };
}

/** Deliveries of ready one-image jobs, each upload held until the test answers it. */
function setup(options: { claims?: boolean; granted?: boolean } = {}) {
  const rows = new Map<string, JobRow>();
  const tasks = (id: string): TaskRow[] => [task(id, 0, { state: 'ready', costMicros: 15_000 })];
  const uploads = recorder<Upload>();
  const sink: JobSink = {
    handle: (event) =>
      new Promise<void>((resolve, reject) => uploads.push({ jobId: event.job.id, resolve, reject })),
  };
  const taken = recorder<[string, number]>();
  const extended = recorder<[string[], number]>();
  /** What each extension waits on before it answers. */
  let answer: Promise<void> = Promise.resolve();
  const claims: DeliveryClaims = {
    async claim(jobId, expiresAt) {
      taken.push([jobId, expiresAt]);
      return options.granted ?? true;
    },
    async extend(jobIds, expiresAt) {
      extended.push([[...jobIds], expiresAt]);
      await answer;
    },
  };
  const patch = (id: string, p: Partial<JobRow>) => {
    const row = rows.get(id);
    if (row) rows.set(id, { ...row, ...p });
  };
  const stopper = new AbortController();
  const delivery = createDelivery({
    store: {
      getJobWithTasks: async (id) => {
        const row = rows.get(id);
        return row && { job: row, tasks: tasks(id) };
      },
      getTasks: async (id) =>
        tasks(id).map((t) => ({ ...t, image: { data: Buffer.from(tinyPng), contentType: 'image/png' } })),
      updateJob: async (id, p) => patch(id, p),
      write: async (writes) => {
        for (const w of writes) if (w.kind === 'job') patch(w.id, w.patch);
      },
    },
    locks: createJobLocks(),
    sinkFor: () => sink,
    emit: () => undefined,
    now: Date.now,
    logger: silentLogger(),
    stopSignal: stopper.signal,
    ...(options.claims === false ? {} : { claims }),
  });
  const ready = (id: string) => rows.set(id, job(id, { state: 'ready', finishedAt: 0 }));
  /** Fails the n-th upload and waits until that delivery has recorded how it ended. */
  const fail = async (n: number) => {
    await uploads.nth(n);
    uploads.calls[n - 1]?.reject(new Error('Slack is down'));
    await delivery.underWay();
  };
  /** Extensions from now on answer only once the returned function is called (a slow store). */
  const holdExtensions = () => {
    let release = () => {};
    answer = new Promise((resolve) => {
      release = resolve;
    });
    return release;
  };
  return { delivery, ready, rows, uploads, taken, extended, stopper, fail, holdExtensions };
}

/** Retried after 2, 15 and 60 s: the fourth attempt fails at 77 s and is the last. */
const RETRIES = [
  [2, 2_000],
  [3, 15_000],
  [4, 60_000],
] as const;

describe('delivery claims', () => {
  it('renews every claim it holds every 40 s in one call while delivering, and none once delivered', async () => {
    const { delivery, ready, rows, uploads, taken, extended } = setup();
    ready('j1');
    ready('j2');
    const first = delivery.deliver('j1');
    const second = delivery.deliver('j2');
    await uploads.nth(2);
    expect(taken.calls).toEqual([
      ['j1', 2 * MINUTE],
      ['j2', 2 * MINUTE],
    ]);
    await vi.advanceTimersByTimeAsync(40_000);
    await extended.nth(1);
    expect(extended.calls).toEqual([[['j1', 'j2'], 40_000 + 2 * MINUTE]]);
    uploads.calls[0]?.resolve();
    await first;
    expect(rows.get('j1')?.state).toBe('delivered');
    await vi.advanceTimersByTimeAsync(40_000);
    await extended.nth(2);
    expect(extended.calls[1]).toEqual([['j2'], 80_000 + 2 * MINUTE]);
    uploads.calls[1]?.resolve();
    await second;
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(extended.calls).toHaveLength(2);
    expect(taken.calls).toHaveLength(2);
  });

  it('keeps its claim through the retries, then holds it 10 minutes once when it gives up', async () => {
    const { delivery, ready, rows, uploads, taken, extended, fail } = setup();
    ready('j1');
    const first = delivery.deliver('j1');
    await fail(1);
    await first;
    // A renewal falls at 40 s, between the second retry and the third.
    for (const [n, wait] of RETRIES) {
      await vi.advanceTimersByTimeAsync(wait);
      await fail(n);
    }
    expect(extended.calls).toEqual([
      [['j1'], 40_000 + 2 * MINUTE],
      [['j1'], 77_000 + 10 * MINUTE],
    ]);
    expect(taken.calls).toHaveLength(1);
    expect(rows.get('j1')?.state).toBe('ready');
    await vi.advanceTimersByTimeAsync(20 * MINUTE);
    expect(extended.calls).toHaveLength(2);
    expect(uploads.calls).toHaveLength(4);
  });

  it('backs off a job given up while a renewal naming it is on its way only after that renewal', async () => {
    const { delivery, ready, uploads, extended, fail, holdExtensions } = setup();
    ready('j1');
    const release = holdExtensions();
    const first = delivery.deliver('j1');
    await fail(1);
    await first;
    for (const [n, wait] of RETRIES.slice(0, 2)) {
      await vi.advanceTimersByTimeAsync(wait);
      await fail(n);
    }
    // The renewal at 40 s has not answered when the last attempt fails at 77 s.
    await vi.advanceTimersByTimeAsync(60_000);
    await uploads.nth(4);
    uploads.calls[3]?.reject(new Error('Slack is down'));
    await vi.advanceTimersByTimeAsync(0);
    expect(extended.calls).toEqual([[['j1'], 40_000 + 2 * MINUTE]]);
    // Issued together, the renewal could land last in the store and cut the back-off to 2 minutes.
    release();
    await delivery.underWay();
    expect(extended.calls).toEqual([
      [['j1'], 40_000 + 2 * MINUTE],
      [['j1'], 77_000 + 10 * MINUTE],
    ]);
  });

  it('lets go of a claim kept for a retry once the job needs no delivery from it', async () => {
    const { delivery, ready, rows, uploads, extended } = setup();
    ready('j1');
    const first = delivery.deliver('j1');
    await uploads.nth(1);
    uploads.calls[0]?.reject(new Error('Slack is down'));
    await first;
    // Another process delivered it meanwhile (this one's claim had lapsed while it stalled).
    rows.set('j1', { ...(rows.get('j1') as JobRow), state: 'delivered' });
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(extended.calls).toEqual([]);
    expect(uploads.calls).toHaveLength(1);
  });

  it('renews nothing for a job another process holds', async () => {
    const { delivery, ready, uploads, taken, extended } = setup({ granted: false });
    ready('j1');
    await delivery.deliver('j1');
    expect(taken.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(extended.calls).toEqual([]);
    expect(uploads.calls).toEqual([]);
  });

  it('runs one renewal timer only where claims are, and stops it with the process', () => {
    setup({ claims: false });
    expect(vi.getTimerCount()).toBe(0);
    const { stopper } = setup();
    expect(vi.getTimerCount()).toBe(1);
    stopper.abort();
    expect(vi.getTimerCount()).toBe(0);
  });
});
