/**
 * When to poll a task next, and what the polls teach. A guess of the generation time is often wrong (a
 * faster region, a gateway, a model update, a quiet hour), so the schedule never bets on it:
 * - the first poll comes early (a share of a conservative low estimate), so a task faster than
 *   expected costs little;
 * - between the low and high estimates polls are spread as densely as the budget allows, using what
 *   was saved by not polling before;
 * - past the high estimate polls keep to the budget's pace for a while, then back off;
 * - whatever happens, the (n+1)th poll never comes before n × budgetMs: at most one poll per 250 ms
 *   per task on average over its life.
 * Learning is interval-censored: a task not ready at t1 and ready at t2 completed in (t1, t2]; one
 * found ready at its first poll only proves "no later than that".
 */
import { createCatalog, type ModelId } from '../models.ts';

/** Where a model's tasks complete, measured from submit: learned, or the catalog's guess. */
export interface LatencyEstimate {
  /** Few tasks are ready before this (a conservative low quantile). */
  lowMs: number;
  /** A middle value: what a member would call the usual time. */
  expectedMs: number;
  /** Most tasks are ready by this. */
  highMs: number;
  /** Observations behind it; 0 for the catalog's guess. */
  samples: number;
}

export interface PollPolicy {
  /** The budget: the (n+1)th poll of a task never comes before n × this after submit. */
  budgetMs: number;
  /** Polls allowed ahead of that pace (the first poll is always free). */
  budgetSlack: number;
  /** No first poll earlier than this after submit. */
  floorMs: number;
  /** The first poll comes at this share of the low estimate: insurance against a faster task. */
  firstShare: number;
  /** … when `low` is at least this; nearer, the first poll is at `low`. */
  insureFrom: number;
  /** The learned low quantile is taken this much lower: the tasks below it must not wait long. */
  lowMargin: number;
  /** The finest interval, inside the window where tasks usually complete. */
  denseMs: number;
  /**
   * Polls spread over a learned window beyond the budget's pace until its end. The hard cap allows up
   * to budgetSlack + 1 more at any time; all of it would put tasks found late in the window over one
   * poll per budgetMs of their life, and the average near it.
   */
  windowSlack: number;
  /** With no observation, tasks may complete from typical / priorLow … */
  priorLow: number;
  /** … to typical × priorHigh. */
  priorHigh: number;
  /** Past high × lateFactor the task is later than anything expected: intervals grow … */
  lateFactor: number;
  /** … to this share of the time spent past that point, */
  backoff: number;
  /** … up to this. */
  maxMs: number;
  /** With a webhook polls are a fallback: the first at high × fallbackShare, then doubling … */
  fallbackShare: number;
  /** … up to this apart. */
  maxFallbackMs: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = {
  budgetMs: 250,
  budgetSlack: 1,
  floorMs: 50,
  firstShare: 0.5,
  insureFrom: 2_000,
  lowMargin: 0.86,
  denseMs: 75,
  windowSlack: 0.5,
  priorLow: 8,
  priorHigh: 2,
  lateFactor: 4,
  backoff: 0.25,
  maxMs: 2_000,
  fallbackShare: 2,
  maxFallbackMs: 60_000,
};

/** The catalog's typical time as an estimate: wide, since nothing was observed yet. */
export function priorEstimate(typicalMs: number, policy: PollPolicy = DEFAULT_POLL_POLICY): LatencyEstimate {
  const typical = Number.isFinite(typicalMs) && typicalMs > 0 ? typicalMs : 1;
  return {
    lowMs: typical / policy.priorLow,
    expectedMs: typical,
    highMs: typical * policy.priorHigh,
    samples: 0,
  };
}

/**
 * Milliseconds to wait before the next poll of a task `elapsedMs` after its submit, after `polls`
 * polls. With `webhook` the provider calls us when the task is done, and polls only cover a lost call.
 * Pure, so the schedule is tested on a simulated clock.
 */
export function nextPollDelay(
  elapsedMs: number,
  polls: number,
  estimate: LatencyEstimate,
  policy: PollPolicy = DEFAULT_POLL_POLICY,
  webhook = false,
): number {
  const p = policy;
  if (!Number.isFinite(elapsedMs)) return p.budgetMs;
  const elapsed = Math.max(0, elapsedMs);
  const low = positive(estimate.lowMs, 0);
  const high = Math.max(1, low, positive(estimate.highMs, 0));
  if (webhook) {
    const first = Math.max(p.floorMs, high * p.fallbackShare);
    // A task resumed after a restart is looked at straight away: its webhook may have come meanwhile.
    if (polls === 0 || elapsed < first) return Math.max(0, first - elapsed);
    return clamp(elapsed, p.budgetMs, p.maxFallbackMs);
  }
  const learned = estimate.samples > 0;
  /**
   * Inside the learned window polls are evenly spaced until `high`, as many as the budget allows by
   * then (plus `windowSlack`). A look at `low` itself would find few tasks (that is what `low` means):
   * the first comes one spacing after it.
   */
  const spaced = (from: number) => {
    const allowed = high / p.budgetMs + p.budgetSlack + p.windowSlack - polls;
    return from + clamp((high - from) / Math.max(1, allowed), p.denseMs, p.budgetMs) - elapsed;
  };
  if (polls === 0) {
    // Early insurance costs one poll: only worth it when the budget has several to spare before `low`.
    const insure = low >= p.insureFrom;
    const first = insure || !learned ? Math.max(p.floorMs, low * (insure ? p.firstShare : 1)) : -1;
    return Math.max(0, first >= 0 ? first - elapsed : spaced(Math.max(elapsed, low)));
  }
  // Polls answered with errors count too, so the cap on this keeps a burst of retries from stalling.
  const earliest = Math.min(p.maxMs, (polls - p.budgetSlack) * p.budgetMs - elapsed);
  const saved = elapsed / p.budgetMs + p.budgetSlack - polls;
  // What the budget saved so far is spent quickly, then its pace is kept.
  const greedy = clamp(p.budgetMs / (1 + Math.max(0, saved) / 2), p.denseMs, p.budgetMs);
  let want: number;
  if (learned && elapsed < high) want = spaced(Math.max(elapsed, low));
  else if (elapsed < low - p.denseMs) want = low - elapsed;
  // The catalog's window is too wide to spread over: the early part of it is the likelier.
  else if (elapsed < high) want = greedy;
  else {
    const late = high * p.lateFactor;
    want = elapsed < late ? greedy : clamp((elapsed - late) * p.backoff, p.budgetMs, p.maxMs);
  }
  return Math.max(want, earliest);
}

export interface LatencyModel {
  /**
   * A task of `model` was ready by `byMs` after submit, and not yet at `afterMs` (0 when its first poll
   * found it ready; equal to byMs when the time is exact).
   */
  observe(model: ModelId, byMs: number, afterMs?: number): void;
  estimate(model: ModelId): LatencyEstimate;
  expected(model: ModelId): number;
}

const CATALOG = createCatalog();

/**
 * Per model, the last `window` observed intervals: `low` is a low quantile of the "not yet" times
 * (a lower bound each, so it errs early), `high` a high quantile of the "ready by" times (an upper
 * bound each, so it errs late). A change of speed shows within a few tasks, since a faster task is
 * found at an early poll and a slower one at a late one.
 */
export function createLatencyModel(
  typical: (model: ModelId) => number = (m) => CATALOG[m].typicalMs,
  policy: PollPolicy = DEFAULT_POLL_POLICY,
  window = 48,
): LatencyModel {
  const seen = new Map<ModelId, Array<{ after: number; by: number }>>();
  const estimate = (model: ModelId): LatencyEstimate => {
    const spans = seen.get(model);
    if (!spans?.length) return priorEstimate(typical(model), policy);
    const afters = spans.map((s) => s.after).sort((a, b) => a - b);
    const bys = spans.map((s) => s.by).sort((a, b) => a - b);
    const mids = spans.map((s) => (s.after + s.by) / 2).sort((a, b) => a - b);
    // Until there are enough for a quantile, the extremes.
    const few = spans.length < 10;
    return {
      lowMs: (few ? (afters[0] as number) : quantile(afters, 0.1)) * policy.lowMargin,
      expectedMs: quantile(mids, 0.5),
      highMs: few ? (bys.at(-1) as number) : quantile(bys, 0.9),
      samples: spans.length,
    };
  };
  return {
    observe(model, byMs, afterMs = byMs) {
      if (!Number.isFinite(byMs) || byMs < 0) return;
      const after = Number.isFinite(afterMs) ? clamp(afterMs, 0, byMs) : 0;
      const spans = seen.get(model) ?? [];
      spans.push({ after, by: byMs });
      if (spans.length > window) spans.shift();
      seen.set(model, spans);
    },
    estimate,
    expected: (model) => estimate(model).expectedMs,
  };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function positive(n: number, fallback: number): number {
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
