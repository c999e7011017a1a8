/**
 * Images each person has waiting or generating, for the per-user cap. An image counts from when it is
 * queued until its task is terminal (or cancelled). Counts live in this process only: after a restart
 * they are rebuilt as the unfinished tasks are queued again.
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
  reserve(origin: JobOrigin, count: number): () => void;
}

export function createPendingCounts(maxPerUser: number): PendingCounts {
  const counts = new Map<string, number>();
  const self: PendingCounts = {
    check(origin, count) {
      const pending = counts.get(userKey(origin.platform, origin.userId)) ?? 0;
      if (pending + count <= maxPerUser) return;
      throw new ValidationError(
        'QUEUE_FULL',
        count > 1 && pending < maxPerUser ? 'count' : 'queue',
        `at most ${maxPerUser} images waiting per person; you have ${pending}`,
        String(count),
      );
    },
    add(origin, delta) {
      const user = userKey(origin.platform, origin.userId);
      const n = (counts.get(user) ?? 0) + delta;
      // People at zero are forgotten so the map stays as small as the line.
      if (n > 0) counts.set(user, n);
      else counts.delete(user);
    },
    reserve(origin, count) {
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
