/**
 * Images each person has waiting or generating, for the per-user cap. An image counts from when it is
 * queued until its task is terminal (or cancelled). In embedded mode the counts live in this process:
 * after a restart they are rebuilt as the unfinished tasks are queued again. Where processes share the
 * queue (`createSharedPendingCounts`) the store counts them, plus what this process is about to store.
 */
import { ValidationError } from '../errors.ts';
import type { JobOrigin } from '../job-types.ts';
import { userKey } from './keys.ts';

export interface PendingCounts {
  /** Throws QUEUE_FULL when `count` more images would put this person over their cap. */
  check(origin: JobOrigin, count: number): void;
  /** Adds `delta` (negative when images end) to this person's count. */
  add(origin: JobOrigin, delta: number): void;
  /**
   * `check` and `add` in one step, for a caller that must await before it queues: the room is held
   * meanwhile, so two requests racing through that await cannot both take the last place. Returns the
   * release (call it once, when the images are queued — they count themselves — or were not stored).
   */
  reserve(origin: JobOrigin, count: number): Promise<() => void>;
}

function refuseOver(maxPerUser: number, pending: number, count: number): void {
  if (pending + count <= maxPerUser) return;
  throw new ValidationError(
    'QUEUE_FULL',
    count > 1 && pending < maxPerUser ? 'count' : 'queue',
    `at most ${maxPerUser} images waiting per person; you have ${pending}`,
    String(count),
  );
}

export function createPendingCounts(maxPerUser: number): PendingCounts {
  const counts = new Map<string, number>();
  const self: PendingCounts = {
    check(origin, count) {
      refuseOver(maxPerUser, counts.get(userKey(origin.platform, origin.userId)) ?? 0, count);
    },
    add(origin, delta) {
      const user = userKey(origin.platform, origin.userId);
      const n = (counts.get(user) ?? 0) + delta;
      // People at zero are forgotten so the map stays as small as the line.
      if (n > 0) counts.set(user, n);
      else counts.delete(user);
    },
    async reserve(origin, count) {
      self.check(origin, count);
      self.add(origin, count);
      let held = true;
      return () => {
        if (held) self.add(origin, -count);
        held = false;
      };
    },
  };
  return self;
}

/**
 * The cap where several processes share the queue: what the store counts as unfinished (every
 * process's), plus what this process has let through and not yet stored. Two processes admitting the
 * same person's last place in the same instant may both pass: the cap is a courtesy limit, not money
 * (budgets are checked in the store's transaction).
 */
export function createSharedPendingCounts(
  maxPerUser: number,
  stored: (origin: JobOrigin) => Promise<number>,
): PendingCounts {
  const reserving = new Map<string, number>();
  return {
    check: () => undefined,
    add: () => undefined,
    async reserve(origin, count) {
      const user = userKey(origin.platform, origin.userId);
      const before = reserving.get(user) ?? 0;
      reserving.set(user, before + count);
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        const n = (reserving.get(user) ?? 0) - count;
        if (n > 0) reserving.set(user, n);
        else reserving.delete(user);
      };
      try {
        refuseOver(maxPerUser, (await stored(origin)) + before, count);
      } catch (err) {
        release();
        throw err;
      }
      return release;
    },
  };
}
