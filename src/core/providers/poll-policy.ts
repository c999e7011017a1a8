/**
 * When to poll next. The docs poll every 0.5 s (250 ms of added latency on average, two polls a second);
 * we sleep through most of the expected generation time, poll densely around when it should finish,
 * then back off. Expected times are learned per model from what we observe.
 */
import type { ModelId } from '../models.ts';

export interface PollPolicy {
  /** Share of the expected time to sleep before the first poll. */
  firstAt: number;
  /** Dense polling lasts until this multiple of the expected time. */
  denseUntil: number;
  /** Dense interval = expected × this, clamped to [minMs, maxDenseMs]. */
  denseShare: number;
  minMs: number;
  maxDenseMs: number;
  /** After the dense window, intervals grow by this factor up to maxMs. */
  backoff: number;
  maxMs: number;
}

export const DEFAULT_POLL_POLICY: PollPolicy = {
  firstAt: 0.75,
  denseUntil: 1.6,
  denseShare: 0.05,
  minMs: 60,
  maxDenseMs: 400,
  backoff: 1.5,
  maxMs: 2_000,
};

/** Milliseconds to wait before the next poll, given how long the task has run and how often we polled. */
export function nextPollDelay(
  elapsedMs: number,
  expectedMs: number,
  lastDelayMs: number | undefined,
  policy = DEFAULT_POLL_POLICY,
): number {
  const expected = Math.max(expectedMs, policy.minMs);
  const first = expected * policy.firstAt;
  if (elapsedMs < first) return Math.max(policy.minMs / 2, first - elapsedMs);
  const dense = clamp(expected * policy.denseShare, policy.minMs, policy.maxDenseMs);
  if (elapsedMs < expected * policy.denseUntil) return dense;
  return Math.min(policy.maxMs, Math.max(dense, (lastDelayMs ?? dense) * policy.backoff));
}

/** A progress report (0..1) refines the guess: the remaining time is about elapsed × (1 - p) / p. */
export function expectedFromProgress(
  elapsedMs: number,
  progress: number | undefined,
  expectedMs: number,
): number {
  if (progress === undefined || !(progress > 0.05) || progress >= 1) return expectedMs;
  return elapsedMs / progress;
}

export interface LatencyModel {
  observe(model: ModelId, ms: number): void;
  expected(model: ModelId): number;
}

/** Exponentially weighted average of submit → ready times, per model, seeded with typical values. */
export function createLatencyModel(typical: (model: ModelId) => number, alpha = 0.2): LatencyModel {
  const learned = new Map<ModelId, number>();
  return {
    observe(model, ms) {
      if (!Number.isFinite(ms) || ms < 0) return;
      const prev = learned.get(model);
      learned.set(model, prev === undefined ? ms : prev + alpha * (ms - prev));
    },
    expected(model) {
      return learned.get(model) ?? typical(model);
    },
  };
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}
