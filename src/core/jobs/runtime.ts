/**
 * Shared state of the jobs service and the views front ends get. Everything here is per service
 * instance (two instances in one process — tests, the CLI — never share timers or counters).
 */
import type { JobEvent, JobSink, JobView, Platform } from '../job-types.ts';
import type { Logger } from '../logger.ts';
import type { ModelCatalog } from '../models.ts';
import type { PriceTable } from '../pricing.ts';
import type { LatencyModel } from '../providers/poll-policy.ts';
import type { Provider } from '../providers/types.ts';
import type { Scheduler } from '../scheduler.ts';
import type { JobRow, Store, TaskRow } from '../store/types.ts';
import type { CreditGate } from './credits.ts';

export interface JobRuntime {
  store: Store;
  provider: Provider;
  catalog: ModelCatalog;
  prices: PriceTable;
  logger: Logger;
  scheduler: Scheduler;
  /** Holds submits while the provider account is out of credits. */
  credits: CreditGate;
  latency: LatencyModel;
  now(): number;
  sinks: Map<Platform, JobSink>;
  /** Waits in progress by provider task id: abort on stop, wake on webhook. */
  /** Tasks being waited for; a wake before the poller listens is kept in `wokenEarly`. */
  waits: Map<string, { controller: AbortController; wake?: () => void; wokenEarly?: boolean }>;
  /** Images queued or in flight per user (`platform:userId`), for the per-user cap. */
  pending: Map<string, number>;
  stopping: boolean;
  /** Aborted by stop(): ends backoff sleeps at once so stop never waits out a Retry-After. */
  stopSignal: AbortSignal;
  /** Deliveries under way by job, so two tasks finishing together deliver once, and stop can let them end. */
  delivering: Map<string, Promise<void>>;
  /** Failed deliveries per job, for the retry schedule. */
  deliveryRetries: Map<string, number>;
  userHash(platform: Platform, userId: string): string;
  emit(event: JobEvent): void;
}

export const TERMINAL_TASK: ReadonlySet<TaskRow['state']> = new Set(['ready', 'failed', 'needs_review']);

export const userKey = (platform: Platform, userId: string) => `${platform}:${userId}`;
export const taskKey = (jobId: string, index: number) => `${jobId}:${index}`;

/** The child logger of one job. The request is never bound: it can hold reference bytes. */
export function jobLog(rt: JobRuntime, job: JobRow, extra: Record<string, unknown> = {}): Logger {
  return rt.logger.child({ jobId: job.id, platform: job.origin.platform, user: job.origin.userId, ...extra });
}

type TaskLike = Pick<TaskRow, 'index' | 'seed' | 'state' | 'costMicros' | 'costEstimated' | 'error'>;

export function toView(rt: JobRuntime, job: JobRow, tasks: TaskLike[] = rt.store.getTasks(job.id)): JobView {
  let estimated = false;
  const view: JobView = {
    ...job,
    tasks: tasks.map((t) => {
      const tv: JobView['tasks'][number] = { index: t.index, seed: t.seed, state: t.state };
      if (t.costMicros !== undefined) tv.costMicros = t.costMicros;
      if (t.costEstimated && t.costMicros) {
        tv.costEstimated = true;
        estimated = true;
      }
      if (t.error) tv.error = t.error;
      return tv;
    }),
  };
  if (estimated && view.costMicros !== undefined) view.costEstimated = true;
  return view;
}

/** Adds `delta` to a user's pending count, forgetting users at zero so the map stays small. */
export function addPending(rt: JobRuntime, user: string, delta: number): void {
  const n = (rt.pending.get(user) ?? 0) + delta;
  if (n > 0) rt.pending.set(user, n);
  else rt.pending.delete(user);
}
