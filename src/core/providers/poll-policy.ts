/**
 * When to poll next. The docs poll every 0.5 s: 250 ms of added latency on average and two polls a
 * second for the whole generation. We sleep through most of the expected time, poll densely around the
 * moment the task should be ready, then back off in case it runs long. Targets (benchmarked): ready →
 * bytes p50 ≤ 100 ms and p99 ≤ 300 ms at no more than one poll per 250 ms per task on average.
 */
import { createCatalog, type ModelId } from '../models.ts';

export interface PollPolicy {
  /** Share of the expected time slept before the first poll. */
  firstAt: number;
  /** Dense polling lasts until this multiple of the expected time. */
  denseUntil: number;
  /** Dense interval = expected × this, clamped to [minDenseMs, maxDenseMs]. */
  denseShare: number;
  minDenseMs: number;
  maxDenseMs: number;
  /** Past the dense window the interval grows by this share of the time spent past it (geometric). */
  backoff: number;
  maxMs: number;
  /** Once a task is late, polls keep to one per this many ms since submit … */
  budgetMs: number;
  /** … allowing this many ahead of it. */
  budgetSlack: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = {
  firstAt: 0.75,
  denseUntil: 1.75,
  denseShare: 0.045,
  minDenseMs: 75,
  maxDenseMs: 100,
  backoff: 0.5,
  maxMs: 1_500,
  budgetMs: 250,
  budgetSlack: 1,
};

/**
 * Milliseconds to wait before the next poll of a task that has run `elapsedMs` since submit and usually
 * takes `expectedMs`, after `pollsSoFar` polls. Pure, so the schedule can be tested without a clock.
 */
export function nextPollDelay(
  elapsedMs: number,
  expectedMs: number,
  pollsSoFar: number,
  policy: PollPolicy = DEFAULT_POLL_POLICY,
): number {
  const expected = Number.isFinite(expectedMs) ? Math.max(1, expectedMs) : 1;
  const first = expected * policy.firstAt;
  if (!Number.isFinite(elapsedMs)) return policy.minDenseMs;
  // A task resumed after a restart (or one that is late) is looked at straight away.
  if (pollsSoFar === 0) return Math.max(0, first - elapsedMs);
  const dense = clamp(expected * policy.denseShare, policy.minDenseMs, policy.maxDenseMs);
  // Progress pushed the estimate out: sleep again, but never spin on tiny sleeps, and look again within
  // a few seconds in case progress was not linear.
  if (elapsedMs < first) return clamp(first - elapsedMs, dense, 2 * policy.maxMs);
  const denseEnd = expected * policy.denseUntil;
  const delay =
    elapsedMs < denseEnd ? dense : Math.min(policy.maxMs, dense + (elapsedMs - denseEnd) * policy.backoff);
  if (elapsedMs < expected) return delay;
  // The task is late, so the estimate was low: from here polls keep to the budget however wrong it was.
  const budget = (pollsSoFar + 1 - policy.budgetSlack) * policy.budgetMs - elapsedMs;
  return Math.max(delay, Math.min(budget, policy.maxMs));
}

/**
 * A progress report (0..1) refines the guess: a task at `p` after `elapsed` should be ready at about
 * elapsed / p. Reports too early (noise) or at the very end (no information) leave it as it was, and
 * one report moves a later estimate at most 1.5× out, in case progress is not linear.
 */
export function expectedFromProgress(
  elapsedMs: number,
  progress: number | undefined,
  expectedMs: number,
): number {
  if (progress === undefined || !Number.isFinite(progress)) return expectedMs;
  const p = progress > 1 && progress <= 100 ? progress / 100 : progress;
  if (!(p >= 0.05 && p < 0.99) || elapsedMs <= 0) return expectedMs;
  return Math.min(elapsedMs / p, Math.max(expectedMs, elapsedMs) * 1.5);
}

export interface LatencyModel {
  observe(model: ModelId, ms: number): void;
  expected(model: ModelId): number;
}

const CATALOG = createCatalog();

/**
 * Exponentially weighted average of submit → ready times per model, seeded with the catalog's typical
 * times. One outlier (a hiccup, a task resumed after a restart) can only move it so far.
 */
export function createLatencyModel(
  typical: (model: ModelId) => number = (m) => CATALOG[m].typicalMs,
  alpha = 0.2,
): LatencyModel {
  const learned = new Map<ModelId, number>();
  return {
    observe(model, ms) {
      if (!Number.isFinite(ms) || ms < 0) return;
      const prev = learned.get(model);
      const cap = (base: number) => Math.max(base * 3, base + 2_000);
      if (prev === undefined) learned.set(model, Math.min(ms, cap(typical(model))));
      else learned.set(model, prev + alpha * (Math.min(ms, cap(prev)) - prev));
    },
    expected(model) {
      return learned.get(model) ?? typical(model);
    },
  };
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
