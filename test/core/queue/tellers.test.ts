/** Who tells a queued job its place across processes, on the real Redis (queue/tellers.ts). */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTellers, heirOf, type Tellers } from '../../../src/core/queue/tellers.ts';
import { openTestRedis, type TestRedis } from './redis-db.ts';

const redis = await openTestRedis();
const JOBS = Array.from({ length: 30 }, (_, i) => `job-${i}`);

describe('heirOf', () => {
  it('gives a job the same heir whatever the order of the live list, and spreads jobs over them', () => {
    const live = ['a', 'b', 'c'];
    const count = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const heir = heirOf(`job-${i}`, live) as string;
      expect(heirOf(`job-${i}`, ['c', 'a', 'b'])).toBe(heir);
      count.set(heir, (count.get(heir) ?? 0) + 1);
    }
    for (const m of live) expect(count.get(m)).toBeGreaterThan(800);
    expect(heirOf('job-1', [])).toBeUndefined();
  });
});

describe.skipIf(!redis)('tellers on Redis', () => {
  let test: TestRedis;
  let base = '';
  const clients: Redis[] = [];
  const open: Tellers[] = [];
  beforeAll(() => {
    test = redis as TestRedis;
  });
  afterEach(async () => {
    for (const t of open.splice(0)) await t.stop();
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    await test.close();
  });

  /** A process's tellers, on a connection of its own. */
  async function process(timing = {}) {
    base ||= `tellers-${randomUUID()}`;
    const client = new Redis(test.connection);
    clients.push(client);
    const t = await createTellers(client, base, timing);
    open.push(t);
    return t;
  }
  const fresh = () => {
    base = '';
  };

  it('hands the jobs of a stopped process to the live ones, each job to exactly one, once', async () => {
    fresh();
    const [a, b, c] = [await process(), await process(), await process()];
    for (const job of JOBS) await a.tell(job);
    // A job queued a moment ago has no teller yet: not an orphan.
    const queueing = 'job-queueing';
    expect(await b.adopt([...JOBS, queueing])).toEqual([]);
    await a.stop();
    const [byB, byC] = await Promise.all([b.adopt([...JOBS, queueing]), c.adopt([...JOBS, queueing])]);
    expect([...byB, ...byC].sort()).toEqual([...JOBS].sort());
    expect(byB.length).toBeGreaterThan(0);
    expect(byC.length).toBeGreaterThan(0);
    // Taken: the new tellers are alive, so nobody takes them again.
    expect([...(await b.adopt(JOBS)), ...(await c.adopt(JOBS))]).toEqual([]);
  });

  it('counts a process that stopped saying it is alive as gone once its time runs out', async () => {
    fresh();
    // Says it is alive once (at start), for 1.5 s: a process that died right after.
    const dead = await process({ beatMs: 60_000, aliveMs: 1_500 });
    const live = await process({ beatMs: 100, aliveMs: 1_500 });
    await dead.tell('job-x');
    await live.tell('job-done');
    await live.done('job-done');
    expect(await live.adopt(['job-x', 'job-done'])).toEqual([]);
    // A job whose teller said it left the line is nobody's to take; the dead teller's job is, in time.
    let adopted: string[] = [];
    for (let i = 0; i < 100 && !adopted.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      adopted = await live.adopt(['job-x', 'job-done']);
    }
    expect(adopted).toEqual(['job-x']);
  });
});
