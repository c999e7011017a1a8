/**
 * Who goes next, and how many at once. Bottleneck holds the provider's concurrency limit (a slot is held
 * from submit until the task is terminal — what BFL counts as active); fairness is ours: per-user FIFO
 * queues served round-robin, so one member's burst of 20 does not starve the next member. Tasks are
 * handed to bottleneck only when a slot is free, so its own FIFO queue never decides the order.
 */
import Bottleneck from 'bottleneck';

export interface Scheduler {
  /** Queues a task at the back of its user's line. */
  enqueue(user: string, key: string, run: () => Promise<void>): void;
  /** Runs a task at once in a slot of its own (resuming a task the provider already counts). */
  runNow(key: string, run: () => Promise<void>): void;
  /** Removes a queued task; false when it already started or is unknown. */
  remove(key: string): boolean;
  /** 1-based place in line of a queued task; undefined when not queued. */
  position(key: string): number | undefined;
  /** Places of every queued task, computed in one pass over the round-robin order. */
  positions(): Map<string, number>;
  /** Holds back new submits (a 429 or 402 from the provider). */
  pause(ms: number): void;
  /** Tasks queued by this user. */
  queuedBy(user: string): number;
  readonly running: number;
  readonly queued: number;
  /** Called (at most once per tick) after the queue changed. */
  onChange(listener: () => void): void;
  /** Stops dispatching and resolves when running tasks have settled. */
  stop(): Promise<void>;
}

interface Item {
  key: string;
  user: string;
  run: () => Promise<void>;
}

export function createScheduler(options: { maxActive: number }): Scheduler {
  const limiter = new Bottleneck({ maxConcurrent: options.maxActive });
  const lines = new Map<string, Item[]>();
  /** Users with queued tasks, next to be served first: ordered by when each was last served. */
  let order: string[] = [];
  /** When each user was last served (a counter, not a clock); a newcomer (0) goes before everyone served. */
  const lastServed = new Map<string, number>();
  let tick = 0;
  const where = new Map<string, Item>();
  const inflight = new Set<Promise<void>>();
  let running = 0;
  let queued = 0;
  let pausedUntil = 0;
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

  const start = (key: string, run: () => Promise<void>) => {
    running++;
    const p: Promise<void> = limiter
      .schedule(() => run())
      .catch(() => undefined)
      .finally(() => {
        running--;
        inflight.delete(p);
        dispatch();
      });
    inflight.add(p);
    void key;
  };

  /** Users with nothing queued lose their history, so the map cannot grow without bound. */
  function forgetIdle(): void {
    for (const user of lastServed.keys()) if (!lines.has(user)) lastServed.delete(user);
  }

  function dispatch(): void {
    if (stopped) return;
    const wait = pausedUntil - Date.now();
    if (wait > 0) {
      if (!pauseTimer) {
        pauseTimer = setTimeout(() => {
          pauseTimer = undefined;
          dispatch();
        }, wait);
      }
      return;
    }
    let moved = false;
    while (running < options.maxActive && order.length) {
      const user = order.shift() as string;
      const line = lines.get(user) as Item[];
      const item = line.shift() as Item;
      lastServed.set(user, ++tick);
      if (line.length) order.push(user);
      else {
        lines.delete(user);
        if (lastServed.size > 10_000) forgetIdle();
      }
      where.delete(item.key);
      queued--;
      moved = true;
      start(item.key, item.run);
    }
    if (moved) changed();
  }

  return {
    enqueue(user, key, run) {
      const item = { key, user, run };
      const line = lines.get(user);
      if (line) line.push(item);
      else {
        lines.set(user, [item]);
        const served = lastServed.get(user) ?? 0;
        const at = order.findIndex((u) => (lastServed.get(u) ?? 0) > served);
        if (at < 0) order.push(user);
        else order.splice(at, 0, user);
      }
      where.set(key, item);
      queued++;
      changed();
      dispatch();
    },
    runNow(key, run) {
      start(key, run);
    },
    remove(key) {
      const item = where.get(key);
      if (!item) return false;
      const line = lines.get(item.user) as Item[];
      line.splice(line.indexOf(item), 1);
      if (!line.length) {
        lines.delete(item.user);
        order = order.filter((u) => u !== item.user);
      }
      if (lastServed.size > 10_000) forgetIdle();
      where.delete(key);
      queued--;
      changed();
      return true;
    },
    position(key) {
      const item = where.get(key);
      if (!item) return undefined;
      const k = (lines.get(item.user) as Item[]).indexOf(item);
      // Round-robin: before the k-th task of a user come k tasks of every user who has that many, plus
      // the k-th task of each user ahead in this round.
      let ahead = 0;
      let before = true;
      for (const user of order) {
        const len = (lines.get(user) as Item[]).length;
        if (user === item.user) before = false;
        ahead += Math.min(len, k) + (before && len > k ? 1 : 0);
      }
      return ahead + 1;
    },
    positions() {
      const out = new Map<string, number>();
      let pos = 0;
      const longest = Math.max(0, ...order.map((u) => (lines.get(u) as Item[]).length));
      for (let k = 0; k < longest; k++) {
        for (const user of order) {
          const item = (lines.get(user) as Item[])[k];
          if (item) out.set(item.key, ++pos);
        }
      }
      return out;
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, Date.now() + ms);
      if (pauseTimer) {
        clearTimeout(pauseTimer);
        pauseTimer = undefined;
      }
    },
    queuedBy(user) {
      return lines.get(user)?.length ?? 0;
    },
    get running() {
      return running;
    },
    get queued() {
      return queued;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async stop() {
      stopped = true;
      if (pauseTimer) clearTimeout(pauseTimer);
      await Promise.allSettled([...inflight]);
      await limiter.stop({ dropWaitingJobs: false }).catch(() => undefined);
    },
  };
}
