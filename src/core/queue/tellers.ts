/**
 * Who tells a queued job its place when processes share the line. The process that queued a job tells
 * it (its card edits then keep one process's order), and says so in Redis; every process says it is
 * alive there every few seconds. When a process stops or dies, the jobs it was telling are orphans: a
 * live process that looks at the jobs in line it does not tell takes those whose teller is gone and that
 * rendezvous hashing gives to it among the live processes — so after a crash or a rolling deploy each
 * waiting card goes on hearing its place, from one process. The hand-over is a compare-and-set on the
 * job's teller: two processes that briefly disagree on who is alive cannot both take a job.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface Tellers {
  /** This process's name among the tellers. */
  readonly id: string;
  /** This process tells the job from now on. */
  tell(jobId: string): Promise<void>;
  /** The job left the line: nobody tells it any more. */
  done(jobId: string): Promise<void>;
  /** Of these jobs (in line, told by no one here), those that are this process's to tell now. */
  adopt(jobIds: readonly string[]): Promise<string[]>;
  /** Leaves the live set at once (a stop): the jobs told here go to the others at their next look. */
  stop(): Promise<void>;
}

export interface TellerTiming {
  /** How often a process says it is alive (default 5 s). */
  beatMs?: number;
  /** How long it counts as alive after saying so (default 15 s): a dead teller's jobs wait this long. */
  aliveMs?: number;
}

/** A job's teller is kept this long (s) when nobody says it left the line: beyond any wait in it. */
const TELLER_TTL_S = 24 * 3600;

/** Renews this process and returns the live ones, on Redis's clock (the processes' clocks may differ). */
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/** Hands a job from its gone teller to this one, unless someone did already. */
const TAKE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

/**
 * Each job's ranking of the live processes (rendezvous hashing): FNV-1a, then murmur3's final mix, so
 * names that differ only in their last characters still rank evenly.
 */
function weight(jobId: string, member: string): number {
  let h = 0x811c9dc5;
  const s = `${jobId}|${member}`;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The live process that takes an orphaned job: the same answer in every process with the same view. */
export function heirOf(jobId: string, live: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = -1;
  for (const m of live) {
    const w = weight(jobId, m);
    if (w > bestWeight || (w === bestWeight && best !== undefined && m < best)) [best, bestWeight] = [m, w];
  }
  return best;
}

export async function createTellers(
  redis: Redis,
  base: string,
  timing: TellerTiming = {},
  onError: (err: unknown) => void = () => undefined,
): Promise<Tellers> {
  const id = randomUUID();
  const liveKey = `${base}:tellers`;
  const tellerKey = (jobId: string) => `${base}:teller:${jobId}`;
  const aliveMs = timing.aliveMs ?? 15_000;
  const beat = async () => (await redis.eval(BEAT, 1, liveKey, id, aliveMs)) as string[];
  await beat();
  const timer = setInterval(() => beat().catch(onError), timing.beatMs ?? 5_000);
  timer.unref();

  return {
    id,
    async tell(jobId) {
      await redis.set(tellerKey(jobId), id, 'EX', TELLER_TTL_S);
    },
    async done(jobId) {
      await redis.del(tellerKey(jobId));
    },
    async adopt(jobIds) {
      if (!jobIds.length) return [];
      const [live, tellers] = await Promise.all([beat(), redis.mget(jobIds.map(tellerKey))]);
      const alive = new Set(live);
      // A job with no teller yet is being queued (its process says so once it is in line): not an orphan.
      const mine = jobIds.flatMap((jobId, i) => {
        const teller = tellers[i];
        return teller && !alive.has(teller) && heirOf(jobId, live) === id ? [[jobId, teller] as const] : [];
      });
      const taken = await Promise.all(
        mine.map(([jobId, gone]) => redis.eval(TAKE, 1, tellerKey(jobId), gone, id, TELLER_TTL_S)),
      );
      return mine.filter((_, i) => taken[i] === 1).map(([jobId]) => jobId);
    },
    async stop() {
      clearInterval(timer);
      await redis.zrem(liveKey, id).catch(onError);
    },
  };
}
