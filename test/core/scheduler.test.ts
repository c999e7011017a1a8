import { describe, expect, it } from 'vitest';
import { createScheduler, type Scheduler } from '../../src/core/scheduler.ts';
import { until } from '../support/until.ts';

/** A task the test ends by hand; `log` records start order. */
function harness(maxActive: number) {
  const s = createScheduler({ maxActive });
  const started: string[] = [];
  const release = new Map<string, () => void>();
  let active = 0;
  let peak = 0;
  const add = (user: string, key: string) =>
    s.enqueue(user, key, () => {
      started.push(key);
      peak = Math.max(peak, ++active);
      return new Promise<void>((resolve) =>
        release.set(key, () => {
          active--;
          resolve();
        }),
      );
    });
  let ended = 0;
  const finish = async (key: string) => {
    await until(() => release.has(key), 10_000, `${key} to start`);
    release.get(key)?.();
    release.delete(key);
    ended++;
  };
  return {
    s,
    started,
    add,
    finish,
    peak: () => peak,
    ended: () => ended,
    running: () => [...release.keys()],
  };
}

/** Ends running tasks in start order until `total` tasks have ended in all. */
async function drain(h: ReturnType<typeof harness>, total: number): Promise<void> {
  while (h.ended() < total) {
    await until(() => h.running().length > 0, 10_000, `a task to run (${h.ended()} of ${total} ended)`);
    await h.finish(h.running()[0] as string);
  }
}

describe('the scheduler', () => {
  it('never runs more tasks than slots, and fills a freed slot at once', async () => {
    const h = harness(3);
    for (let i = 0; i < 10; i++) h.add(`u${i % 4}`, `k${i}`);
    await until(() => h.started.length === 3, 10_000, 'three to start');
    expect(h.s.running).toBe(3);
    expect(h.s.queued).toBe(7);
    await h.finish(h.started[0] as string);
    await until(() => h.started.length === 4, 10_000, 'the freed slot to be used');
    await drain(h, 10);
    expect(h.peak()).toBe(3);
    await h.s.stop();
  });

  it('serves users round-robin, a newcomer before users already served', async () => {
    const h = harness(1);
    for (let i = 1; i <= 5; i++) h.add('A', `A${i}`);
    h.add('B', 'B1');
    h.add('B', 'B2');
    h.add('C', 'C1');
    await drain(h, 8);
    expect(h.started).toEqual(['A1', 'B1', 'C1', 'A2', 'B2', 'A3', 'A4', 'A5']);
    await h.s.stop();
  });

  it('predicts every queued task’s start order, per task and in one pass', async () => {
    // A seeded mix of users and burst sizes: the places must match the order tasks really start in.
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 5; round++) {
      const h = harness(1);
      h.add('blocker', 'first');
      await until(() => h.started.length === 1);
      const keys: string[] = [];
      for (let i = 0; i < 40; i++) {
        const key = `k${i}`;
        keys.push(key);
        h.add(`u${rand(6)}`, key);
      }
      const predicted = new Map(keys.map((k) => [k, h.s.position(k)]));
      expect(h.s.positions()).toEqual(predicted);
      await drain(h, 41);
      const actual = new Map(h.started.slice(1).map((k, i) => [k, i + 1]));
      expect(predicted).toEqual(actual);
      await h.s.stop();
    }
  });

  it('removes a queued task for good and refuses to remove one that started', async () => {
    const h = harness(1);
    h.add('A', 'a1');
    h.add('A', 'a2');
    h.add('B', 'b1');
    await until(() => h.started.length === 1);
    expect(h.s.isQueued('a2')).toBe(true);
    expect(h.s.remove('a2')).toBe(true);
    expect(h.s.isQueued('a2')).toBe(false);
    expect(h.s.remove('a1')).toBe(false);
    expect(h.s.position('b1')).toBe(1);
    await drain(h, 2);
    expect(h.started).toEqual(['a1', 'b1']);
    await h.s.stop();
  });

  it('holds back new starts while paused, then starts them', async () => {
    const h = harness(2);
    h.s.pause(300);
    h.add('A', 'a1');
    // Dispatch is synchronous: without the pause this task would already hold a slot.
    expect(h.s.running).toBe(0);
    expect(h.s.position('a1')).toBe(1);
    await until(() => h.started.length === 1, 10_000, 'the pause to end');
    await drain(h, 1);
    await h.s.stop();
  });

  it('holds new starts until released, a freed slot included, and admits exactly one probe while held', async () => {
    const h = harness(3);
    h.add('A', 'a1');
    h.s.hold();
    for (const k of ['b1', 'c1', 'd1']) h.add(k.toUpperCase(), k);
    // Slots are handed out synchronously: held, none of the three gets one.
    expect([h.s.running, h.s.queued]).toEqual([1, 3]);
    await h.finish('a1');
    await until(() => h.s.running === 0, 10_000, 'a1 to give its slot back');
    expect(h.s.queued).toBe(3);
    h.s.admit(1);
    expect([h.s.running, h.s.queued]).toEqual([1, 2]);
    await until(() => h.started.length === 2, 10_000, 'the probe to start');
    expect(h.started).toEqual(['a1', 'b1']);
    h.s.release();
    expect([h.s.running, h.s.queued]).toEqual([3, 0]);
    await drain(h, 4);
    await h.s.stop();
  });

  it('starts waiting work when a pause is extended while nothing else is happening', async () => {
    const h = harness(1);
    h.s.pause(50);
    h.add('A', 'a1');
    // A second 429 lengthens the pause; no enqueue or finish follows to nudge the queue.
    h.s.pause(100);
    await until(() => h.started.length === 1, 10_000, 'the longer pause to end');
    await drain(h, 1);
    await h.s.stop();
  });

  it('runs a resumed task at once even when every slot is taken, and counts it as a slot', async () => {
    const h = harness(1);
    h.add('A', 'a1');
    await until(() => h.started.includes('a1'), 10_000, 'a1 to take the only slot');
    let resumedRan = false;
    let endResumed: () => void = () => undefined;
    h.s.runNow('resumed', () => {
      resumedRan = true;
      return new Promise<void>((r) => {
        endResumed = r;
      });
    });
    await until(() => resumedRan, 10_000, 'the resumed task to run');
    h.add('B', 'b1');
    await h.finish('a1');
    await until(() => h.s.running === 1, 10_000, 'a1 to free its slot');
    // Dispatch runs as a slot frees: b1 would hold it now if the resumed task did not count.
    expect(h.started).toEqual(['a1']);
    endResumed();
    await until(() => h.started.includes('b1'), 10_000, 'b1 after the resumed task');
    await drain(h, 2);
    await h.s.stop();
  });

  it('stops dispatching and waits for running tasks on stop', async () => {
    const h = harness(1);
    h.add('A', 'a1');
    h.add('A', 'a2');
    await until(() => h.started.length === 1);
    let stopped = false;
    const stopping = h.s.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(stopped).toBe(false);
    await h.finish('a1');
    await stopping;
    expect(h.started).toEqual(['a1']);
  });

  it('lets a task give its slot back before it ends: the next starts at once, stop still waits for it', async () => {
    const s = createScheduler({ maxActive: 1 });
    const log: string[] = [];
    let giveBack = () => {};
    const ends = new Map<string, () => void>();
    const task = (key: string) => (release: () => void) => {
      log.push(`${key} start`);
      if (key === 'a1') giveBack = release;
      return new Promise<void>((resolve) =>
        ends.set(key, () => {
          log.push(`${key} end`);
          resolve();
        }),
      );
    };
    for (const key of ['a1', 'b1', 'c1']) s.enqueue(key[0] as string, key, task(key));
    expect([s.running, s.queued]).toEqual([1, 2]);
    await until(() => log.includes('a1 start'), 10_000, 'a1 to start');
    giveBack();
    await until(() => log.includes('b1 start'), 10_000, 'b1 to take the slot a1 gave back');
    // Given back twice: still one slot, held by b1.
    giveBack();
    await new Promise((resolve) => setImmediate(resolve));
    expect([s.running, s.queued]).toEqual([1, 1]);
    // Stopping waits for a1 too, though it gave its slot back; c1 never starts.
    let stopped = false;
    const stopping = s.stop().then(() => {
      stopped = true;
    });
    ends.get('b1')?.();
    await new Promise((r) => setTimeout(r, 10));
    expect(stopped).toBe(false);
    ends.get('a1')?.();
    await stopping;
    expect(log).toEqual(['a1 start', 'b1 start', 'b1 end', 'a1 end']);
  });

  it('tells listeners once per tick however many changes happened', async () => {
    const s: Scheduler = createScheduler({ maxActive: 1 });
    let calls = 0;
    s.onChange(() => calls++);
    for (let i = 0; i < 50; i++) s.enqueue('u', `k${i}`, () => new Promise(() => undefined));
    // The first went to the free slot as it came.
    expect(s.queuedBy('u')).toBe(49);
    await Promise.resolve();
    await Promise.resolve();
    expect(calls).toBe(1);
  });
});
