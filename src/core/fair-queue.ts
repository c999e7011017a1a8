/**
 * Per-user FIFO lines served round-robin: one member's burst of 20 does not starve the next member.
 * Users are served least-recently-served first, so a newcomer goes ahead of everyone already served,
 * and a user who comes back does not jump the round. Pure data: the scheduler decides when to take.
 */

export interface QueueItem {
  key: string;
  user: string;
  /** Runs the task in a slot; `release` frees the slot before the run ends (see SlotRun in scheduler.ts). */
  run: (release: () => void) => Promise<void>;
}

export interface FairQueue {
  push(item: QueueItem): void;
  /** Takes the next item in round-robin order. */
  take(): QueueItem | undefined;
  has(key: string): boolean;
  remove(key: string): boolean;
  /** 1-based place of a queued item: O(users + that user's line), never O(all queued items). */
  position(key: string): number | undefined;
  /** Places of every queued item in one pass, in ascending order. */
  positions(): Map<string, number>;
  queuedBy(user: string): number;
  readonly size: number;
}

/** Past this many remembered users, those with nothing queued are forgotten (they count as newcomers). */
const MAX_REMEMBERED = 10_000;

export function createFairQueue(): FairQueue {
  const lines = new Map<string, QueueItem[]>();
  /** Users with queued items, next to be served first. */
  let order: string[] = [];
  /** When each user was last served (a counter, not a clock); a newcomer (0) goes before anyone served. */
  const lastServed = new Map<string, number>();
  let tick = 0;
  const where = new Map<string, QueueItem>();

  const lineOf = (user: string) => lines.get(user) as QueueItem[];

  function forgetIdle(): void {
    if (lastServed.size <= MAX_REMEMBERED) return;
    for (const user of lastServed.keys()) if (!lines.has(user)) lastServed.delete(user);
  }

  return {
    push(item) {
      const line = lines.get(item.user);
      if (line) line.push(item);
      else {
        lines.set(item.user, [item]);
        const served = lastServed.get(item.user) ?? 0;
        const at = order.findIndex((u) => (lastServed.get(u) ?? 0) > served);
        if (at < 0) order.push(item.user);
        else order.splice(at, 0, item.user);
      }
      where.set(item.key, item);
    },
    take() {
      const user = order.shift();
      if (user === undefined) return undefined;
      const line = lineOf(user);
      const item = line.shift() as QueueItem;
      lastServed.set(user, ++tick);
      if (line.length) order.push(user);
      else {
        lines.delete(user);
        forgetIdle();
      }
      where.delete(item.key);
      return item;
    },
    has(key) {
      return where.has(key);
    },
    remove(key) {
      const item = where.get(key);
      if (!item) return false;
      const line = lineOf(item.user);
      line.splice(line.indexOf(item), 1);
      if (!line.length) {
        lines.delete(item.user);
        order = order.filter((u) => u !== item.user);
        forgetIdle();
      }
      where.delete(key);
      return true;
    },
    position(key) {
      const item = where.get(key);
      if (!item) return undefined;
      const k = lineOf(item.user).indexOf(item);
      // Round-robin: before the k-th item of a user come min(len, k) items of every user, plus the k-th
      // item of each user ahead of this one in the current round.
      let ahead = 0;
      let before = true;
      for (const user of order) {
        const len = lineOf(user).length;
        if (user === item.user) before = false;
        ahead += Math.min(len, k) + (before && len > k ? 1 : 0);
      }
      return ahead + 1;
    },
    positions() {
      const out = new Map<string, number>();
      let pos = 0;
      let longest = 0;
      for (const user of order) longest = Math.max(longest, lineOf(user).length);
      for (let k = 0; k < longest; k++) {
        for (const user of order) {
          const item = lineOf(user)[k];
          if (item) out.set(item.key, ++pos);
        }
      }
      return out;
    },
    queuedBy(user) {
      return lines.get(user)?.length ?? 0;
    },
    get size() {
      return where.size;
    },
  };
}
