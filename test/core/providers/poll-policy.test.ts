import { describe, expect, it } from 'vitest';
import {
  createLatencyModel,
  expectedFromProgress,
  nextPollDelay,
  DEFAULT_POLL_POLICY as P,
} from '../../../src/core/providers/poll-policy.ts';
import { createWaker } from '../../../src/core/providers/sleep.ts';

/** Polls a task that becomes ready at `readyMs` on the schedule; returns the added latency and poll count. */
function simulate(expectedMs: number, readyMs: number): { lag: number; polls: number; pollsPer250: number } {
  let t = 0;
  let polls = 0;
  for (;;) {
    t += nextPollDelay(t, expectedMs, polls);
    polls++;
    if (t >= readyMs) return { lag: t - readyMs, polls, pollsPer250: (polls * 250) / t };
    if (polls > 10_000) throw new Error('schedule never reaches the ready time');
  }
}

describe('nextPollDelay', () => {
  it('sleeps through most of the expected time before the first poll', () => {
    const first = nextPollDelay(0, 2_000, 0);
    expect(first).toBeGreaterThanOrEqual(0.7 * 2_000);
    expect(first).toBeLessThanOrEqual(0.8 * 2_000);
  });

  it('polls a late or resumed task at once', () => {
    expect(nextPollDelay(60_000, 2_000, 0)).toBe(0);
  });

  it('looks again within a few seconds even when progress pushed the estimate far out', () => {
    expect(nextPollDelay(1_000, 100_000, 1)).toBeLessThanOrEqual(2 * P.maxMs);
  });

  it('never spins on a nonsense estimate', () => {
    expect(nextPollDelay(1_000, Number.NaN, 1)).toBeGreaterThanOrEqual(P.minDenseMs);
    expect(nextPollDelay(Number.NaN, 1_000, 3)).toBeGreaterThanOrEqual(P.minDenseMs);
  });

  it('never spins: after the first poll no wait is shorter than the dense interval', () => {
    for (const expected of [1, 30, 1_000, 8_000])
      for (const elapsed of [0, 10, 500, 5_000, 50_000])
        for (const polls of [1, 3, 30])
          expect(nextPollDelay(elapsed, expected, polls)).toBeGreaterThanOrEqual(P.minDenseMs);
  });

  it('polls every 75–100 ms around the expected time', () => {
    for (const expected of [1_000, 2_000, 8_000, 20_000]) {
      for (const share of [0.8, 1, 1.4]) {
        const d = nextPollDelay(expected * share, expected, 1);
        expect(d).toBeGreaterThanOrEqual(75);
        expect(d).toBeLessThanOrEqual(100);
      }
    }
  });

  it('backs off geometrically once the task runs long, up to the cap', () => {
    const expected = 2_000;
    let t = 0;
    const late: number[] = [];
    for (let polls = 0; t < 30_000; polls++) {
      const d = nextPollDelay(t, expected, polls);
      if (t > expected * P.denseUntil) late.push(d);
      t += d;
    }
    expect(late[1]).toBeGreaterThan(late[0] as number);
    expect(late[3]).toBeGreaterThan((late[1] as number) * 1.2);
    expect(Math.max(...late)).toBe(P.maxMs);
    expect(late.at(-1)).toBe(P.maxMs);
  });

  it('meets the latency targets at under one poll per 250 ms when the estimate is right', () => {
    for (const expected of [1_500, 2_000, 5_000, 8_000, 15_000, 30_000]) {
      const { lag, pollsPer250 } = simulate(expected, expected);
      expect(lag, `lag at ${expected} ms`).toBeLessThanOrEqual(100);
      expect(pollsPer250, `polls at ${expected} ms`).toBeLessThanOrEqual(1);
    }
  });

  it('adds under 100 ms for tasks up to 20% early or 10% late, and under 300 ms up to 70% late', () => {
    for (const expected of [2_000, 8_000]) {
      for (const share of [0.8, 0.9, 1, 1.1])
        expect(simulate(expected, expected * share).lag).toBeLessThanOrEqual(100);
      for (const share of [1.2, 1.3, 1.5, 1.7])
        expect(simulate(expected, expected * share).lag).toBeLessThanOrEqual(300);
    }
  });

  it('stays within the poll budget however badly the task was underestimated', () => {
    for (const [expected, ready] of [
      [50, 2_000],
      [1_500, 2_000],
      [1_000, 8_000],
      [2_000, 60_000],
    ] as const) {
      const { polls } = simulate(expected, ready);
      // The one poll that finds it ready, plus the budget's slack, on top of one per 250 ms.
      expect(polls, `${expected} → ${ready}`).toBeLessThanOrEqual(ready / P.budgetMs + P.budgetSlack + 1);
    }
  });
});

describe('expectedFromProgress', () => {
  it('extrapolates the ready time from progress', () => {
    expect(expectedFromProgress(1_000, 0.5, 5_000)).toBe(2_000);
    expect(expectedFromProgress(3_000, 60, 5_000)).toBe(5_000); // a percentage, read as 0.6
  });

  it('keeps the estimate when progress says nothing useful', () => {
    expect(expectedFromProgress(1_000, undefined, 5_000)).toBe(5_000);
    expect(expectedFromProgress(1_000, 0.05, 1_000)).toBe(1_500); // at most 1.5× out per report
    expect(expectedFromProgress(1_000, 0.01, 5_000)).toBe(5_000);
    expect(expectedFromProgress(1_000, 1, 5_000)).toBe(5_000);
    expect(expectedFromProgress(1_000, Number.NaN, 5_000)).toBe(5_000);
  });
});

describe('createLatencyModel', () => {
  it("starts from the catalog's typical time per model", () => {
    const m = createLatencyModel();
    expect(m.expected('klein-4b')).toBe(1_000);
    expect(m.expected('pro')).toBe(8_000);
  });

  it('learns the observed times per model and ignores nonsense', () => {
    const m = createLatencyModel(() => 1_000);
    for (let i = 0; i < 40; i++) m.observe('pro', 2_000);
    m.observe('pro', Number.NaN);
    m.observe('pro', -5);
    expect(m.expected('pro')).toBeGreaterThan(1_990);
    expect(m.expected('pro')).toBeLessThanOrEqual(2_000);
    expect(m.expected('max')).toBe(1_000);
  });

  it('is moved only so far by one outlier', () => {
    const m = createLatencyModel(() => 1_000);
    for (let i = 0; i < 20; i++) m.observe('flex', 2_000);
    m.observe('flex', 600_000);
    expect(m.expected('flex')).toBeLessThan(4_000);
  });
});

describe('createWaker', () => {
  it('ends a sleep when woken', async () => {
    const w = createWaker();
    const sleeping = w.sleep(60_000);
    w.wake();
    await expect(sleeping).resolves.toBeUndefined();
  });

  it('keeps a wake that came while awake for the next sleep', async () => {
    const w = createWaker();
    w.wake();
    await expect(w.sleep(60_000)).resolves.toBeUndefined();
  });

  it('rejects with the abort reason', async () => {
    const w = createWaker();
    const c = new AbortController();
    const sleeping = w.sleep(60_000, c.signal);
    c.abort(new Error('shutting down'));
    await expect(sleeping).rejects.toThrow('shutting down');
  });
});
