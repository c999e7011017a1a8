import { describe, expect, it } from 'vitest';
import {
  createLatencyModel,
  nextPollDelay,
  DEFAULT_POLL_POLICY as P,
  priorEstimate,
} from '../../../src/core/providers/poll-policy.ts';
import { createWaker } from '../../../src/core/providers/sleep.ts';
import { simulateBurst } from './poll-sim.ts';

/** Poll times of one task on the schedule, until `untilMs`. */
function schedule(estimate = priorEstimate(8_000), untilMs = 20_000, webhook = false): number[] {
  const times: number[] = [];
  let t = 0;
  while (t < untilMs) {
    t += nextPollDelay(t, times.length, estimate, P, webhook);
    times.push(t);
  }
  return times;
}

const RATIOS = [1 / 8, 1 / 4, 1 / 2, 1, 2, 4];

describe('the poll schedule over wrong priors (simulated clock, bursts of 100 through 24 slots)', () => {
  // The catalog's pro time; generation times uniform in [T, 2T].
  const typical = 8_000;
  for (const ratio of RATIOS) {
    it(`meets the targets when tasks take ${ratio}× the catalog's time`, () => {
      for (const seed of [1, 2, 3]) {
        const f = simulateBurst({ typicalMs: typical, T: typical * ratio, seed });
        const at = `T/typical ${ratio}, seed ${seed}`;
        // At 1/8 (tasks of 1–2 s) one poll per 250 ms cannot space polls much closer than ~100 ms even
        // knowing the answer, and the first wave runs on the catalog's guess: 4–6% is the budget's price.
        expect(f.makespanRatio, `makespan/ideal, ${at}`).toBeLessThanOrEqual(ratio < 1 / 4 ? 1.06 : 1.05);
        expect(f.p50, `ready→poll p50, ${at}`).toBeLessThanOrEqual(100);
        expect(f.p99, `ready→poll p99, ${at}`).toBeLessThanOrEqual(300);
        expect(f.pollsPer250, `polls per 250 ms, ${at}`).toBeLessThanOrEqual(1);
      }
    });
  }

  it('with webhooks, finds each task at the webhook and polls at most 3 times, whatever the prior', () => {
    for (const ratio of RATIOS) {
      const f = simulateBurst({ typicalMs: typical, T: typical * ratio, webhookMs: 5 });
      expect(f.maxPolls, `polls at ${ratio}×`).toBeLessThanOrEqual(3);
      expect(f.p99, `lag at ${ratio}×`).toBe(5);
    }
  });

  it('with a lost webhook, still finds the task by polling, later', () => {
    const f = simulateBurst({ typicalMs: typical, T: typical, webhookMs: 600_000 });
    expect(f.lags).toHaveLength(100);
    expect(f.p50).toBeLessThanOrEqual(4 * typical);
  });
});

describe('nextPollDelay', () => {
  it('polls first early in the catalog’s window, so a much faster task costs little', () => {
    const first = nextPollDelay(0, 0, priorEstimate(8_000));
    expect(first).toBeLessThanOrEqual(8_000 / 8);
    expect(first).toBeGreaterThanOrEqual(P.floorMs);
  });

  it('sleeps until the learned window and looks one spacing into it, with one early look when it is far', () => {
    // Windows this short would allow polls closer than the finest interval: one interval in.
    const far = { lowMs: 10_000, expectedMs: 12_000, highMs: 14_000, samples: 24 };
    const times = schedule(far, 10_100);
    expect(times[0]).toBe(10_000 * P.firstShare);
    expect(times[1]).toBe(10_000 + P.denseMs);
    const near = { lowMs: 1_000, expectedMs: 1_200, highMs: 1_400, samples: 24 };
    expect(schedule(near, 1_000)[0]).toBe(1_000 + P.denseMs);
    // A wide window spreads what the budget allows until its end: the first look is that far in.
    const wide = { lowMs: 1_000, expectedMs: 1_500, highMs: 2_000, samples: 24 };
    const allowed = 2_000 / P.budgetMs + P.budgetSlack + P.windowSlack;
    expect(schedule(wide, 1_000)[0]).toBeCloseTo(1_000 + 1_000 / allowed);
  });

  it('polls densely inside the learned window', () => {
    const est = { lowMs: 4_000, expectedMs: 5_000, highMs: 6_000, samples: 24 };
    const inside = schedule(est, 6_000).filter((t) => t > 4_000 && t <= 6_000);
    const gaps = inside.slice(1).map((t, i) => t - (inside[i] as number));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(150);
  });

  it('never polls twice within the budget: the (n+1)th poll not before (n − slack) × 250 ms', () => {
    for (const est of [
      priorEstimate(1),
      priorEstimate(8_000),
      { lowMs: 0, expectedMs: 1, highMs: 1, samples: 3 },
      { lowMs: 900, expectedMs: 1_000, highMs: 1_100, samples: 24 },
    ]) {
      schedule(est, 120_000).forEach((t, n) => {
        expect(t).toBeGreaterThanOrEqual((n - P.budgetSlack) * P.budgetMs - 1e-6);
      });
    }
  });

  it('backs off once a task is far later than anything expected, up to the cap', () => {
    const est = { lowMs: 800, expectedMs: 1_000, highMs: 1_200, samples: 24 };
    const times = schedule(est, 60_000);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps.at(-1)).toBe(P.maxMs);
    expect(times.length).toBeLessThan(60_000 / 1_000);
  });

  it('polls a resumed task at once, with or without a webhook', () => {
    expect(nextPollDelay(60_000, 0, priorEstimate(2_000))).toBe(0);
    expect(nextPollDelay(60_000, 0, priorEstimate(2_000), P, true)).toBe(0);
  });

  it('with a webhook, polls only as a slow fallback', () => {
    const times = schedule(priorEstimate(8_000), 120_000, true);
    expect(times[0]).toBe(8_000 * P.priorHigh * P.fallbackShare);
    expect(times.length).toBeLessThanOrEqual(4);
  });

  it('never spins on nonsense', () => {
    const bad = { lowMs: Number.NaN, expectedMs: Number.NaN, highMs: -1, samples: 0 };
    expect(nextPollDelay(Number.NaN, 3, priorEstimate(1_000))).toBeGreaterThanOrEqual(P.denseMs);
    for (const polls of [1, 5, 50])
      expect(nextPollDelay(1_000, polls, bad)).toBeGreaterThanOrEqual(P.denseMs);
  });
});

describe('createLatencyModel', () => {
  it("starts from the catalog's typical time per model, as a wide window", () => {
    const m = createLatencyModel();
    expect(m.expected('pro')).toBe(8_000);
    const e = m.estimate('pro');
    expect(e.lowMs).toBe(8_000 / P.priorLow);
    expect(e.highMs).toBe(8_000 * P.priorHigh);
    expect(e.samples).toBe(0);
  });

  it('learns from intervals: not ready at t1, ready at t2 puts the time in (t1, t2]', () => {
    const m = createLatencyModel(() => 8_000);
    for (let i = 0; i < 20; i++) m.observe('pro', 2_100 + i * 50, 2_000 + i * 50);
    const e = m.estimate('pro');
    expect(e.lowMs).toBeGreaterThan(1_500);
    expect(e.lowMs).toBeLessThanOrEqual(2_000);
    expect(e.highMs).toBeGreaterThanOrEqual(2_900);
    expect(e.highMs).toBeLessThanOrEqual(3_050);
    expect(m.estimate('max').samples).toBe(0);
  });

  it('reads a task found ready at its first poll as an upper bound only', () => {
    const m = createLatencyModel(() => 8_000);
    // Every task was found ready at its first poll (at 1 s): all we know is "no later than 1 s".
    for (let i = 0; i < 24; i++) m.observe('pro', 1_000, 0);
    const e = m.estimate('pro');
    expect(e.highMs).toBe(1_000);
    expect(e.lowMs).toBe(0);
    // So the next first poll is earlier, not at the same place.
    expect(nextPollDelay(0, 0, e)).toBeLessThan(1_000);
  });

  it('follows a change of speed within a window of tasks, and ignores nonsense', () => {
    const m = createLatencyModel(() => 8_000);
    for (let i = 0; i < 48; i++) m.observe('pro', 8_100, 8_000);
    for (let i = 0; i < 48; i++) m.observe('pro', 1_050, 1_000);
    m.observe('pro', Number.NaN);
    m.observe('pro', -5);
    expect(m.estimate('pro').highMs).toBe(1_050);
    expect(m.expected('pro')).toBeCloseTo(1_025);
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
