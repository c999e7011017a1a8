/**
 * A burst on a simulated clock: `count` tasks through `slots` slots, each submitted the instant a slot
 * frees, polled on the real schedule (nextPollDelay) with the real learning (createLatencyModel). No
 * timers: events run in time order, so the figures are exact and the same on every machine.
 */
import {
  createLatencyModel,
  DEFAULT_POLL_POLICY,
  nextPollDelay,
  type PollPolicy,
} from '../../../src/core/providers/poll-policy.ts';

export interface BurstFigures {
  /** Makespan over the ideal one (every task fetched the instant it is ready). */
  makespanRatio: number;
  /** Ready → fetched, per task, sorted. */
  lags: number[];
  p50: number;
  p99: number;
  /** Mean over tasks of polls × 250 ms / the task's life (submit → fetched). */
  pollsPer250: number;
  maxPolls: number;
}

/** Deterministic uniform [0, 1) numbers (mulberry32). */
export function randoms(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function simulateBurst(options: {
  typicalMs: number;
  /** Generation times are uniform in [T, 2T]. */
  T: number;
  count?: number;
  slots?: number;
  seed?: number;
  policy?: PollPolicy;
  /** Time from ready to the webhook's arrival; undefined: no webhooks. */
  webhookMs?: number;
}): BurstFigures {
  const { typicalMs, T, count = 100, slots = 24, seed = 1, policy = DEFAULT_POLL_POLICY } = options;
  const rnd = randoms(seed);
  const gen = Array.from({ length: count }, () => T + rnd() * T);
  const model = createLatencyModel(() => typicalMs, policy);
  const webhook = options.webhookMs !== undefined;
  interface Task {
    x: number;
    start: number;
    polls: number;
    after: number;
    estimate: ReturnType<typeof model.estimate>;
    next: number;
  }
  const live: Task[] = [];
  const lags: number[] = [];
  const ratios: number[] = [];
  let maxPolls = 0;
  let submitted = 0;
  let end = 0;
  const submit = (at: number) => {
    if (submitted >= count) return;
    const estimate = model.estimate('pro');
    const task: Task = { x: gen[submitted++] as number, start: at, polls: 0, after: 0, estimate, next: 0 };
    task.next = at + nextPollDelay(0, 0, estimate, policy, webhook);
    if (webhook) task.next = Math.min(task.next, at + task.x + (options.webhookMs as number));
    live.push(task);
  };
  for (let i = 0; i < slots; i++) submit(0);
  while (live.length) {
    live.sort((a, b) => a.next - b.next);
    const task = live.shift() as Task;
    const t = task.next;
    const elapsed = t - task.start;
    task.polls++;
    if (elapsed >= task.x) {
      // As in bfl-poll: with webhooks, only a poll the webhook caused bounds the time tightly.
      const woken = webhook && t >= task.start + task.x + (options.webhookMs as number);
      if (!webhook || woken) model.observe('pro', elapsed, task.after);
      lags.push(elapsed - task.x);
      ratios.push((task.polls * 250) / elapsed);
      maxPolls = Math.max(maxPolls, task.polls);
      end = Math.max(end, t);
      submit(t);
      continue;
    }
    task.after = elapsed;
    task.next = t + nextPollDelay(elapsed, task.polls, task.estimate, policy, webhook);
    if (webhook) task.next = Math.min(task.next, task.start + task.x + (options.webhookMs as number));
    live.push(task);
  }
  lags.sort((a, b) => a - b);
  const pct = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] as number;
  return {
    makespanRatio: end / idealMakespan(gen, slots),
    lags,
    p50: pct(0.5),
    p99: pct(0.99),
    pollsPer250: ratios.reduce((s, r) => s + r, 0) / ratios.length,
    maxPolls,
  };
}

/** Greedy list scheduling of the same tasks in the same order with no lag at all. */
export function idealMakespan(durations: number[], slots: number): number {
  const free = Array.from({ length: slots }, () => 0);
  let end = 0;
  for (const d of durations) {
    let i = 0;
    for (let j = 1; j < free.length; j++) if ((free[j] as number) < (free[i] as number)) i = j;
    free[i] = (free[i] as number) + d;
    end = Math.max(end, free[i] as number);
  }
  return end;
}
