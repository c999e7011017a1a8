/**
 * Who goes next, and how many at once. Bottleneck holds the provider's concurrency limit: each of its
 * slots runs a worker that runs a task from submit until it is terminal — what BFL counts as active —
 * and then takes the next fairest task (fair-queue.ts) in the same tick. A task may give its slot back
 * before its run ends (`release`): once the provider says Ready it no longer counts the task, so the next
 * submit does not wait for the image's download. So:
 * - the order is ours (round-robin across users), never bottleneck's FIFO: a task is chosen only when a
 *   slot is free for it;
 * - a freed slot is refilled at once, with no per-task trip through bottleneck's datastore (each of its
 *   operations waits a timer tick and they run one at a time: with a backlog that would be the
 *   throughput limit). Bottleneck is visited only when a slot opens with nothing left to carry on with.
 * Bottleneck is used in-process only.
 */
import Bottleneck from 'bottleneck';
import { createFairQueue, type QueueItem } from './fair-queue.ts';

/** What both schedulers (this one, and BullMQ's in distributed mode) answer the same way. */
export interface SchedulerView {
  /** Whether a task is still waiting in line (not yet handed to a slot). */
  isQueued(key: string): boolean;
  /** 1-based place in line of a queued task; undefined when not queued. O(users), not O(tasks). */
  position(key: string): number | undefined;
  /** Places of every queued task, computed in one pass over the round-robin order. */
  positions(): Map<string, number>;
  /** Holds back new starts for a while (a 429 from the provider); tasks already in slots keep them. */
  pause(ms: number): void;
  /**
   * Holds back new starts until `release` (the provider account is out of credits: no amount of time
   * alone fixes that). Tasks already in slots keep them.
   */
  hold(): void;
  release(): void;
  /** While held, lets `n` more queued tasks start (a probe: can the account pay again?). */
  admit(n: number): void;
  /** Slots in use: tasks running or handed to a slot, and resumed tasks. */
  readonly running: number;
  readonly queued: number;
  /** Called (at most once per tick) after the queue changed. */
  onChange(listener: () => void): void;
  /** Stops dispatching and resolves when running tasks have settled. */
  stop(): Promise<void>;
}

/**
 * A task's run in a slot. The slot is freed when the run ends, or earlier when it calls `release` (the
 * provider no longer counts the task as active); later calls do nothing. stop() still waits for the run.
 */
export type SlotRun = (release: () => void) => Promise<void>;

export interface Scheduler extends SchedulerView {
  /** Queues a task at the back of its user's line. */
  enqueue(user: string, key: string, run: SlotRun): void;
  /**
   * Runs a task at once, counted as holding a slot (resuming a task the provider already counts as
   * active): it never waits, even when every slot is taken, since waiting would not free BFL's slot.
   */
  runNow(key: string, run: SlotRun): void;
  /** Removes a queued task; false when it already started or is unknown. */
  remove(key: string): boolean;
  /**
   * Tasks queued by this user. In-process only: the BullMQ view would have to read every user's line
   * on each refresh to know it, in every process, and nothing above the queue asks.
   */
  queuedBy(user: string): number;
}

export function createScheduler(options: { maxActive: number }): Scheduler {
  const { maxActive } = options;
  const limiter = new Bottleneck({ maxConcurrent: maxActive });
  const queue = createFairQueue();
  const inflight = new Set<Promise<void>>();
  /** Slots taken: workers (each with a task) and resumed tasks. */
  let slots = 0;
  let pausedUntil = 0;
  let held = false;
  /** Starts allowed while held. */
  let admitted = 0;
  let pauseTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const listeners: Array<() => void> = [];
  let changeQueued = false;

  const changed = () => {
    if (changeQueued) return;
    changeQueued = true;
    queueMicrotask(() => {
      changeQueued = false;
      for (const l of listeners) l();
    });
  };
  const paused = () => pausedUntil > Date.now() || (held && admitted === 0);
  /** The next task to start, counting it against what a hold admits. */
  const takeNext = () => {
    const item = queue.take();
    if (item && held) admitted--;
    return item;
  };

  /**
   * Starts a run; resolves when its slot is free (released, or the run ended). The whole run is kept
   * in `inflight` until it ends, so stop() waits for a download that outlives its slot.
   */
  function start(run: SlotRun): Promise<void> {
    let free = () => {};
    const slot = new Promise<void>((resolve) => {
      free = resolve;
    });
    const whole: Promise<void> = (async () => run(free))()
      .catch(() => undefined)
      .finally(() => {
        free();
        inflight.delete(whole);
      });
    inflight.add(whole);
    return slot;
  }

  /** Holds one bottleneck slot while there is work; the next task starts the moment the last frees it. */
  async function worker(first: QueueItem): Promise<void> {
    await start(first.run);
    // A slot over the limit (resumed tasks came in) is given back rather than reused.
    while (!stopped && slots <= maxActive && !paused()) {
      const item = takeNext();
      if (!item) return;
      changed();
      await start(item.run);
    }
  }

  /** Runs `fn` in a slot; when it resolves the slot is freed and offered to the queue at once. */
  function hold(fn: () => Promise<void>, viaLimiter: boolean): void {
    slots++;
    const p: Promise<void> = (viaLimiter ? limiter.schedule(fn) : fn())
      .catch(() => undefined)
      .finally(() => {
        slots--;
        inflight.delete(p);
        dispatch();
      });
    inflight.add(p);
  }

  function dispatch(): void {
    if (stopped) return;
    const wait = pausedUntil - Date.now();
    if (wait > 0) {
      if (!pauseTimer && queue.size) {
        pauseTimer = setTimeout(() => {
          pauseTimer = undefined;
          dispatch();
        }, wait);
      }
      return;
    }
    let took = false;
    while (slots < maxActive && !paused()) {
      // Taken now, when the slot is promised, so a task handed to a slot is no longer in line.
      const item = takeNext();
      if (!item) break;
      took = true;
      hold(() => worker(item), true);
    }
    if (took) changed();
  }

  return {
    enqueue(user, key, run) {
      queue.push({ key, user, run });
      changed();
      dispatch();
    },
    runNow(_key, run) {
      // Only a resumed task may find every slot taken (the limit was lowered across a restart); it then
      // runs beside bottleneck rather than waiting behind it.
      hold(() => start(run), slots < maxActive);
    },
    isQueued: (key) => queue.has(key),
    remove(key) {
      if (!queue.remove(key)) return false;
      changed();
      return true;
    },
    position: (key) => queue.position(key),
    positions: () => queue.positions(),
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, Date.now() + ms);
      if (pauseTimer) {
        clearTimeout(pauseTimer);
        pauseTimer = undefined;
      }
      // Re-arm for the new end of the pause, or queued work would wait for the next enqueue or finish.
      dispatch();
    },
    hold() {
      held = true;
      admitted = 0;
    },
    release() {
      held = false;
      admitted = 0;
      dispatch();
    },
    admit(n) {
      if (!held) return;
      admitted += n;
      dispatch();
    },
    queuedBy: (user) => queue.queuedBy(user),
    get running() {
      return slots;
    },
    get queued() {
      return queue.size;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async stop() {
      stopped = true;
      if (pauseTimer) clearTimeout(pauseTimer);
      // Runs that gave their slot back may still be fetching their image: those are waited for too.
      while (inflight.size) await Promise.allSettled([...inflight]);
      await limiter.stop({ dropWaitingJobs: false }).catch(() => undefined);
    },
  };
}
