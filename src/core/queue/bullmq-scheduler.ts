/**
 * The queue in distributed mode: BullMQ on Redis holds the provider's slots for every process. A task
 * is one BullMQ job, active from submit until the provider's status is terminal — what BFL counts —
 * and `setGlobalConcurrency(maxActive)` caps active jobs across all workers. Fairness is the job's
 * priority: its place in its user's line (fair-lines.ts). A 429 sends the job back to its place and
 * rate-limits the queue (start-gate.ts); it is never failed. A process that dies mid-task loses its
 * lock, and BullMQ's stalled-job check hands the job to another worker, which runs it by key through
 * `resolve`. See types.ts for how this port differs from the in-process `Scheduler`.
 */
import { type Job, Queue, QueueEvents, WaitingError, Worker } from 'bullmq';
import { Redis, type RedisOptions as RedisConnectOptions } from 'ioredis';
import { ProviderError } from '../errors.ts';
import { createFairLines, type Placement } from './fair-lines.ts';
import { createQueueView } from './queue-view.ts';
import { createStartGate } from './start-gate.ts';
import { idOf } from './task-ids.ts';
import { createTellers } from './tellers.ts';
import type { BullmqSchedulerOptions, DistributedScheduler, TaskRun } from './types.ts';

export type { BullmqSchedulerOptions, DistributedScheduler, TaskRun } from './types.ts';

interface TaskData {
  key: string;
  user: string;
}

/** Failed jobs are kept a while for inspection (their key may be queued again: see `enqueue`). */
const KEEP_FAILED = { age: 24 * 3600, count: 1000 };

export async function createBullmqScheduler(o: BullmqSchedulerOptions): Promise<DistributedScheduler> {
  const name = o.queueName ?? 'flux-tasks';
  const prefix = o.prefix ?? 'bull';
  const onError = o.onError ?? (() => undefined);
  const rateLimitMs = o.rateLimitMs ?? 2_000;
  // Workers and event readers block on Redis: a command must wait for a reconnect, not fail.
  const connection = { ...o.connection, maxRetriesPerRequest: null };
  const redis = new Redis(o.connection as RedisConnectOptions);
  redis.on('error', onError);
  const queue = new Queue<TaskData, void, 'task'>(name, { connection, prefix });
  queue.on('error', onError);
  await queue.setGlobalConcurrency(o.maxActive);

  const lines = createFairLines(redis, `${prefix}:${name}`);
  const tellers = await createTellers(redis, `${prefix}:${name}`, o.tellers, onError);
  const gate = createStartGate(queue, o.holdLeaseMs ?? 5_000, onError);
  const listeners: Array<() => void> = [];
  const view = createQueueView({
    queue,
    debounceMs: o.viewDebounceMs ?? 250,
    everyMs: o.viewEveryMs ?? 5_000,
    changed: () => {
      for (const l of listeners) l();
    },
    onError,
  });
  const events = new QueueEvents(name, { connection, prefix });
  events.on('error', onError);
  for (const e of ['added', 'waiting', 'active', 'removed', 'completed', 'failed', 'stalled'] as const)
    events.on(e, () => view.stale());

  /** Tasks running in this process: started by this worker or by `runNow`. */
  const inflight = new Set<Promise<void>>();
  let outside = 0;

  /** The tasks behind one that moved take their new places (BullMQ re-adds each at the back of it). */
  const reorder = (placements: Placement[]) =>
    Promise.all(
      placements.map(([key, priority]) =>
        // A task that started or was removed meanwhile has nothing to move.
        queue.backend.changePriority(idOf(key), priority).catch(() => undefined),
      ),
    );

  /** Set by `start`: nothing is taken from the queue before the process can run what it takes. */
  let resolve: ((key: string) => TaskRun | undefined) | undefined;
  let stopping = false;

  async function processTask(job: Job<TaskData, void, 'task'>, token?: string): Promise<void> {
    const { key, user } = job.data;
    const wait = gate.check();
    if (wait > 0) {
      await gate.limit(wait);
      throw Worker.RateLimitError();
    }
    await reorder(await lines.leave(user, key));
    // From here the provider may count it: if it goes back to the queue (a stop, a crash), it goes
    // first, so it never waits behind tasks that would take its slot at the provider a second time.
    await job.changePriority({ priority: 0 });
    view.stale();
    const run = resolve?.(key);
    if (!run) return;
    let settled!: () => void;
    const done = new Promise<void>((r) => {
      settled = r;
    });
    inflight.add(done);
    let outcome: Awaited<ReturnType<TaskRun>>;
    try {
      outcome = await run();
    } catch (err) {
      const ms = rateLimitWait(err, rateLimitMs);
      if (ms === undefined) throw err;
      // Not submitted, so not active at the provider: back to the front of its user's line, and nobody
      // starts anything until the provider has room again.
      await reorder(await lines.rejoin(user, key));
      await gate.limit(ms);
      throw Worker.RateLimitError();
    } finally {
      inflight.delete(done);
      settled();
    }
    // Stopping: the run let go of a task it may not have finished (a wait cut short leaves it submitted).
    // Handed back rather than completed, another process takes it at once and carries on from the store;
    // one that did finish is found finished there.
    if ((outcome === 'unfinished' || stopping) && token) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
  }

  const worker =
    o.work === false
      ? undefined
      : new Worker<TaskData, void, 'task'>(name, processTask, {
          connection,
          prefix,
          concurrency: o.maxActive,
          lockDuration: o.lockDurationMs ?? 10_000,
          stalledInterval: o.stalledIntervalMs ?? 10_000,
          maxStalledCount: o.maxStalledCount ?? 2,
          // BullMQ honours a manual rate limit only where a limiter is configured: one that never binds.
          limiter: { max: 1_000_000, duration: 1_000 },
          // A job sent back by a rate limit wakes no idle worker: each looks again after this long.
          drainDelay: o.idlePollSeconds ?? 1,
          autorun: false,
        });
  worker?.on('error', onError);
  let onFailed: ((key: string, err: Error) => void) | undefined;
  worker?.on('failed', (job, err) => {
    if (job) onFailed?.(job.data.key, err);
  });
  await Promise.all([worker?.waitUntilReady(), events.waitUntilReady(), view.refresh()]);

  return {
    start(run, failed) {
      resolve = run;
      onFailed = failed;
      void worker?.run().catch(onError);
    },
    async enqueue(user, key) {
      const id = idOf(key);
      const state = await queue.getJobState(id);
      // A finished job keeps its id for a while; the same task queued again (a retry) replaces it.
      if (state === 'failed' || state === 'completed') await queue.remove(id);
      else if (state !== 'unknown') return;
      const priority = await lines.join(user, key);
      await queue.add(
        'task',
        { key, user },
        {
          jobId: id,
          priority,
          // A failed task is recorded by the task itself; a second attempt could pay twice.
          attempts: 1,
          removeOnComplete: true,
          removeOnFail: KEEP_FAILED,
        },
      );
      view.stale();
    },
    runNow(key) {
      const run = resolve?.(key);
      if (!run) return;
      outside++;
      const p: Promise<void> = run()
        .then(() => undefined, onError)
        .finally(() => {
          outside--;
          inflight.delete(p);
        });
      inflight.add(p);
    },
    isQueued: (key) => view.positions.has(key),
    async remove(key) {
      const id = idOf(key);
      const job = await queue.getJob(id);
      if (!job) return false;
      const state = await job.getState();
      if (state !== 'prioritized' && state !== 'waiting') return false;
      // 0 when a worker took it meanwhile: its lock makes the removal fail.
      if (!(await queue.remove(id))) return false;
      await reorder(await lines.leave(job.data.user, key));
      view.forget(key);
      view.stale();
      return true;
    },
    position: (key) => view.positions.get(key),
    positions: () => new Map(view.positions),
    pause: (ms) => gate.pause(ms),
    hold: () => gate.hold(),
    release: () => gate.release(),
    admit: (n) => gate.admit(n),
    get running() {
      return view.active + outside;
    },
    get queued() {
      return view.positions.size;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    refresh: () => view.refresh(),
    tell(jobId) {
      tellers.tell(jobId).catch(onError);
    },
    told(jobId) {
      tellers.done(jobId).catch(onError);
    },
    adopt: (jobIds) => tellers.adopt(jobIds),
    async waitingNow(keys) {
      const states = await Promise.all(keys.map((k) => queue.getJobState(idOf(k))));
      return states.some((s) => s === 'waiting' || s === 'prioritized');
    },
    async stop() {
      stopping = true;
      view.stop();
      gate.stop();
      // Waits for this worker's running tasks; queued ones stay in Redis for the other processes.
      await worker?.close();
      await Promise.allSettled([...inflight]);
      await Promise.allSettled([events.close(), queue.close(), tellers.stop()]);
      redis.disconnect();
    },
  };
}

/** How long a 429 holds starts back, or undefined when the error is not a 429. */
function rateLimitWait(err: unknown, fallbackMs: number): number | undefined {
  if (!(err instanceof ProviderError) || err.code !== 'PROVIDER_RATE_LIMITED') return undefined;
  if (err.retryAfter === undefined) return fallbackMs;
  return Math.min(60_000, Math.max(250, err.retryAfter * 1000));
}
