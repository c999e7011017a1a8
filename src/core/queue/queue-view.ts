/**
 * What the `Scheduler` port answers synchronously — places in line, tasks per user, counts — read from
 * Redis into a cached view. BullMQ calls are asynchronous; a status card asking for its place must not
 * wait on the network, and a long queue must not cost a Redis read per question. The view is refreshed
 * (debounced, one refresh at a time) when the queue changes — locally or, through QueueEvents, in any
 * process — and on a slow timer as a safety net. Between refreshes it is at most one event stale.
 */
import type { Queue } from 'bullmq';
import type { FairLines } from './fair-lines.ts';
import { keyOf } from './task-ids.ts';

export interface QueueView {
  /** 1-based place of each queued task, in the order BullMQ will start them. */
  readonly positions: Map<string, number>;
  queuedBy(user: string): number;
  /** Tasks active in BullMQ (every process). */
  readonly active: number;
  /** Drops a task at once (this process removed it), ahead of the next refresh. */
  forget(key: string): void;
  /** Asks for a refresh soon (debounced). */
  stale(): void;
  /** Refreshes now; resolves when the view includes every change made before the call. */
  refresh(): Promise<void>;
  stop(): void;
}

export interface QueueViewOptions {
  queue: Queue;
  lines: FairLines;
  debounceMs: number;
  everyMs: number;
  /** Called after a refresh that changed the order or the counts. */
  changed(): void;
  onError(err: unknown): void;
}

export function createQueueView(o: QueueViewOptions): QueueView {
  let positions = new Map<string, number>();
  let perUser = new Map<string, number>();
  let active = 0;
  let signature = '';
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function load(): Promise<void> {
    // Stalled and rate-limited jobs sit in `wait`, which BullMQ serves before `prioritized`.
    const [ids, count, lines] = await Promise.all([
      o.queue.getRanges(['wait', 'prioritized'], 0, -1, true),
      o.queue.getActiveCount(),
      o.lines.read(),
    ]);
    const next = new Map<string, number>();
    for (const id of ids) if (!next.has(keyOf(id))) next.set(keyOf(id), next.size + 1);
    // A line can briefly hold a task that has just started or been removed: count only what is queued.
    const users = new Map<string, number>();
    for (const [user, keys] of lines) {
      const n = keys.filter((k) => next.has(k)).length;
      if (n) users.set(user, n);
    }
    const sig = `${count}|${ids.join(',')}|${[...users].join(',')}`;
    positions = next;
    perUser = users;
    active = count;
    if (sig !== signature) {
      signature = sig;
      o.changed();
    }
  }

  function refresh(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await load().catch(o.onError);
      } while (again && !stopped);
      running = undefined;
    })();
    return running;
  }

  const poll = setInterval(() => void refresh(), o.everyMs);
  poll.unref();

  return {
    get positions() {
      return positions;
    },
    queuedBy: (user) => perUser.get(user) ?? 0,
    get active() {
      return active;
    },
    forget(key) {
      if (!positions.delete(key)) return;
      // Places behind it move up now, as they will at the next refresh.
      let pos = 0;
      positions = new Map([...positions.keys()].map((k) => [k, ++pos]));
    },
    stale() {
      if (timer || stopped) return;
      timer = setTimeout(() => {
        timer = undefined;
        void refresh();
      }, o.debounceMs);
    },
    // A refresh under way may have read Redis before the caller's change: it then runs once more.
    refresh,
    stop() {
      stopped = true;
      clearInterval(poll);
      if (timer) clearTimeout(timer);
    },
  };
}
