/**
 * Per-user lines kept beside the BullMQ queue, so fairness needs no BullMQ Pro groups: a task's BullMQ
 * priority is its place in its user's line (1 = next of that user). When a user's task leaves the line
 * the tasks behind it move up one place, and BullMQ re-adds each at the back of its new priority — so a
 * served user goes behind everyone else at that level: round-robin, and a burst of 20 from one user
 * never starves the next. Priorities stay bounded by the longest line (BullMQ allows up to 2^21).
 * Each change is one Lua script, so two processes never see a half-moved line.
 */
import type { Redis } from 'ioredis';

/** A task and the priority it must now have. */
export type Placement = [key: string, priority: number];

export interface FairLines {
  /** Puts a task at the back of its user's line (once); resolves to its place there, its priority. */
  join(user: string, key: string): Promise<number>;
  /** Takes a task out of its user's line (it started or was removed): the tasks behind it move up. */
  leave(user: string, key: string): Promise<Placement[]>;
  /** Puts a task back at the front of its user's line (a 429 sent it back before the provider had it). */
  rejoin(user: string, key: string): Promise<Placement[]>;
}

const JOIN = `
local at = redis.call('LPOS', KEYS[1], ARGV[1])
if at then return at + 1 end
return redis.call('RPUSH', KEYS[1], ARGV[1])`;

/** Returns {index the task had, keys behind it…}, or {} when it was not in line. */
const LEAVE = `
local at = redis.call('LPOS', KEYS[1], ARGV[1])
if not at then return {} end
redis.call('LREM', KEYS[1], 1, ARGV[1])
local behind = redis.call('LRANGE', KEYS[1], at, -1)
table.insert(behind, 1, tostring(at))
return behind`;

const REJOIN = `
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('LPUSH', KEYS[1], ARGV[1])
return redis.call('LRANGE', KEYS[1], 0, -1)`;

export function createFairLines(redis: Redis, base: string): FairLines {
  const line = (user: string) => `${base}:fair:line:${user}`;

  return {
    async join(user, key) {
      return Number(await redis.eval(JOIN, 1, line(user), key));
    },
    async leave(user, key) {
      const out = (await redis.eval(LEAVE, 1, line(user), key)) as string[];
      if (!out.length) return [];
      const at = Number(out[0]);
      return out.slice(1).map((k, i): Placement => [k, at + i + 1]);
    },
    async rejoin(user, key) {
      const keys = (await redis.eval(REJOIN, 1, line(user), key)) as string[];
      return keys.map((k, i): Placement => [k, i + 1]);
    },
  };
}
