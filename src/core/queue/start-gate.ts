/**
 * Holding back new starts — a 429 (`pause`) or an empty account (`hold`) — in every process, with
 * BullMQ's own rate limit: while the queue is rate limited no worker anywhere takes a job, and a job
 * already taken is sent back to its place (`Worker.RateLimitError`), not failed. BullMQ's `rateLimit`
 * overwrites the limit, so a shorter one never replaces a longer one here. A hold is a lease renewed
 * while held: if the holding process dies the others start again within one lease, find the account
 * still empty on their first submit, and hold again themselves.
 */
import type { Queue } from 'bullmq';

export interface StartGate {
  /** Before a job starts here: 0 to go on, else the ms to send it back for (and limit everyone). */
  check(): number;
  /** Rate limits every process for at least `ms`. */
  limit(ms: number): Promise<void>;
  pause(ms: number): void;
  hold(): void;
  release(): void;
  admit(n: number): void;
  stop(): void;
}

export function createStartGate(queue: Queue, leaseMs: number, onError: (err: unknown) => void): StartGate {
  let pausedUntil = 0;
  let held = false;
  let admitted = 0;
  let lease: NodeJS.Timeout | undefined;

  async function limit(ms: number): Promise<void> {
    const ttl = await queue.getRateLimitTtl();
    if (ttl < ms) await queue.rateLimit(Math.ceil(ms));
  }
  const later = (ms: number) => void limit(ms).catch(onError);
  const lift = () =>
    void queue
      .removeRateLimitKey()
      // A 429's pause outlives a hold: put back what is left of it.
      .then(() => (pausedUntil > Date.now() ? limit(pausedUntil - Date.now()) : undefined))
      .catch(onError);

  return {
    check() {
      const paused = pausedUntil - Date.now();
      if (paused > 0) return paused;
      if (!held) return 0;
      if (admitted === 0) return leaseMs;
      // The last admitted start closes the gate again for everyone.
      if (--admitted === 0) later(leaseMs);
      return 0;
    },
    limit,
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, Date.now() + ms);
      later(ms);
    },
    hold() {
      held = true;
      admitted = 0;
      later(leaseMs);
      if (lease) return;
      lease = setInterval(() => {
        if (admitted === 0) later(leaseMs);
      }, leaseMs / 2);
      lease.unref();
    },
    release() {
      held = false;
      admitted = 0;
      if (lease) clearInterval(lease);
      lease = undefined;
      lift();
    },
    admit(n) {
      if (!held || n <= 0) return;
      admitted += n;
      lift();
    },
    stop() {
      if (lease) clearInterval(lease);
      lease = undefined;
    },
  };
}
