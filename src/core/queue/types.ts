/**
 * The queue port in distributed mode. It keeps the `Scheduler` port's names and meanings (see
 * ../scheduler.ts) with three differences, each forced by running across processes:
 * - No closures: a task may start in any process, including one that starts after this one crashed,
 *   so the worker asks the `resolve` option for a task's run function by its key (read from the store).
 *   `enqueue` and `runNow` take the key only.
 * - `enqueue` and `remove` are async: they are Redis round trips, and `remove` can only know whether
 *   the task had already started once BullMQ answers (a task another process just started cannot be
 *   removed, and a cached "queued" would say it can).
 * - The read side (`isQueued`, `position`, `positions`, `running`, `queued`) stays synchronous,
 *   answered from a view refreshed on queue events (queue-view.ts); `refresh()` waits for a fresh one.
 */
import type { RedisOptions } from 'bullmq';
import type { SchedulerView } from '../scheduler.ts';
import type { TellerTiming } from './tellers.ts';

/**
 * Runs one task from submit until the provider's status is terminal (what BFL counts as active).
 * Resolves to 'unfinished' when this process is stopping and let the task go (it goes back to the queue
 * for another); to anything else when the task is done with.
 */
export type TaskRun = () => Promise<unknown>;

/**
 * The read side and the holds mean what they mean in-process (`SchedulerView`), except that `running`
 * counts tasks active in BullMQ across every process (plus tasks run here by `runNow`), `hold` is
 * renewed as a lease and `admit` lets tasks start in this process.
 */
export interface DistributedScheduler extends SchedulerView {
  /**
   * Starts taking tasks in this process, running each by key with `resolve` (undefined: the task no
   * longer exists and is skipped). Until then this process only queues: a task taken before the
   * process could run it would be lost. `failed`: a task BullMQ gave up on (stalled too often, or its
   * run threw) — the store must be told, or the task would look in flight forever.
   */
  start(resolve: (key: string) => TaskRun | undefined, failed?: (key: string, err: Error) => void): void;
  /** Queues a task at the back of its user's line; resolves once it is in Redis. Idempotent per key. */
  enqueue(user: string, key: string): Promise<void>;
  /**
   * Runs a task here at once, outside BullMQ's count (a task the provider already counts as active,
   * whose BullMQ job is gone). A task whose process died is not resumed this way: BullMQ's stalled-job
   * check hands it to another worker, which resolves it by key.
   */
  runNow(key: string): void;
  /** Removes a queued task; false when it already started (in any process) or is unknown. */
  remove(key: string): Promise<boolean>;
  /** Resolves when the read side reflects every change made before the call. */
  refresh(): Promise<void>;
  /**
   * Whether one of these tasks waits in line now, asked of Redis (one read each): the view can be a
   * moment behind a task another process has just taken.
   */
  waitingNow(keys: readonly string[]): Promise<boolean>;
  /** This process tells the job its place from now on (tellers.ts). */
  tell(jobId: string): void;
  /** The job this process told has left the line. */
  told(jobId: string): void;
  /** Of these jobs in line, told by no one here, those whose teller is gone that fall to this process. */
  adopt(jobIds: readonly string[]): Promise<string[]>;
}

export interface BullmqSchedulerOptions {
  /** Redis connection options; each scheduler opens its own connections. */
  connection: RedisOptions;
  /** The provider's active-task limit, shared by every process (BFL: 24 per key). */
  maxActive: number;
  queueName?: string;
  /** Redis key prefix (BullMQ's default: 'bull'). */
  prefix?: string;
  /** False: this process only queues (no worker). Default true. */
  work?: boolean;
  /**
   * How long a worker's lock on a task lasts without renewal (renewed at half). With `stalledIntervalMs`
   * it bounds how soon a crashed process's task moves on: within about lock + 2 × interval. Defaults
   * 10 s and 10 s (≈ 30 s).
   */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /**
   * Crashes a task may survive before it is failed: one crash may be a deploy or an unrelated OOM; a
   * task that takes its process down again and again must not take every process down in turn.
   * Default 2.
   */
  maxStalledCount?: number;
  /** The hold's lease: a process that dies while holding blocks the others for at most this. */
  holdLeaseMs?: number;
  /** Rate-limit wait for a 429 without a Retry-After. Default 2 s. */
  rateLimitMs?: number;
  /**
   * How long an idle worker waits for news before looking at the queue again. A job that a rate limit
   * sent back wakes nobody when the limit ends, so this bounds the lag after it. Default 1 (BullMQ: 5).
   */
  idlePollSeconds?: number;
  /**
   * Debounce of view refreshes after queue events (default 250 ms: a refresh reads every queued id, and under
   * a burst every process sees every other's events; cards show places no faster than platforms allow
   * edits anyway), and the safety-net refresh period.
   */
  viewDebounceMs?: number;
  viewEveryMs?: number;
  /** How often a process says it is alive to the others, and for how long (tellers.ts). */
  tellers?: TellerTiming;
  onError?(err: unknown): void;
}
