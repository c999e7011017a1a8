/**
 * What the `Scheduler` port answers synchronously — places in line and counts — read from Redis into a
 * cached view. BullMQ calls are asynchronous; a status card asking for its place must not wait on the
 * network, and a long queue must not cost a Redis read per question. The view is refreshed (debounced,
 * one refresh at a time) when the queue changes — locally or, through QueueEvents, in any process — and
 * on a slow timer as a safety net. Between refreshes it is at most one event stale.
 *
 * A refresh is two reads (the queued ids in order, the active count), whatever the number of users:
 * every process refreshes on every other's events, so a read per user's line would be paid per event
 * per process. The places are rebuilt only when the ids read differ from the last ones.
 */
import type { Queue } from 'bullmq';
import { keyOf } from './task-ids.ts';

export interface QueueView {
  /** 1-based place of each queued task, in the order BullMQ will start them. Never changed in place. */
  readonly positions: ReadonlyMap<string, number>;
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
  debounceMs: number;
  everyMs: number;
  /** Called after a refresh that changed the order or the counts. */
  changed(): void;
  onError(err: unknown): void;
}

/** Places of the tasks behind these BullMQ ids, in order, leaving out `skip`. */
function placesOf(ids: readonly string[], skip?: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of ids) {
    const key = keyOf(id);
    if (!skip?.has(key) && !out.has(key)) out.set(key, out.size + 1);
  }
  return out;
}

function same(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function createQueueView(o: QueueViewOptions): QueueView {
  /** The queued ids as last read, in order: the places are derived from them. */
  let ids: string[] = [];
  let places = new Map<string, number>();
  /**
   * Tasks this process removed since the last read. Several removals in a row (a job's images) renumber
   * once, when the places are next asked for, not once each.
   */
  const forgotten = new Set<string>();
  let renumber = false;
  let active = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function load(): Promise<void> {
    // Stalled and rate-limited jobs sit in `wait`, which BullMQ serves before `prioritized`.
    const [next, count] = await Promise.all([
      o.queue.getRanges(['wait', 'prioritized'], 0, -1, true),
      o.queue.getActiveCount(),
    ]);
    const moved = !same(next, ids);
    // A read supersedes what this process forgot meanwhile, as it did before any removal was seen.
    if (moved || forgotten.size) places = placesOf(next);
    forgotten.clear();
    renumber = false;
    ids = next;
    const counted = count !== active;
    active = count;
    if (moved || counted) o.changed();
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
      // Places behind a forgotten task move up now, as they will at the next refresh.
      if (renumber) {
        places = placesOf(ids, forgotten);
        renumber = false;
      }
      return places;
    },
    get active() {
      return active;
    },
    forget(key) {
      if (!places.has(key) || forgotten.has(key)) return;
      forgotten.add(key);
      renumber = true;
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
