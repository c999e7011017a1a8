/**
 * The asynchronous store port: what the core needs from durable storage in either mode. Embedded mode
 * adapts SQLite to it (sqlite-async.ts), distributed mode implements it on Postgres (postgres.ts); one
 * contract suite (test/core/store/contract.ts) holds both to the same behaviour.
 *
 * A synchronous `transaction(fn)` cannot cross a network round trip without holding a connection for
 * arbitrary user code, so each write that must be atomic is one method here: `insertJobWithinBudgets`
 * (check budgets and reserve in one step) and `write` (several row changes as one).
 */
import type { SpendFilter, WorkspaceSettings } from '../budgets.ts';
import type { JobOrigin, TaskState } from '../job-types.ts';
import type { Micros } from '../pricing.ts';
import type { StoreHealth } from './health.ts';
import type { JobQuery, JobRow, SpendRow, TaskRow } from './types.ts';

export type JobPatch = Partial<Omit<JobRow, 'id' | 'request' | 'origin'>>;
export type TaskPatch = Partial<Omit<TaskRow, 'jobId' | 'index' | 'seed'>>;

/** One row change of an atomic `write`. */
export type StoreWrite =
  | { kind: 'job'; id: string; patch: JobPatch }
  /** With `ifState`, applied only while the task is in that state (checked inside the transaction). */
  | { kind: 'task'; jobId: string; index: number; patch: TaskPatch; ifState?: TaskState }
  | { kind: 'dropImages'; jobId: string };

/** What `startTask` did, and the job with its tasks as it left them. */
export interface StartedTask {
  started: boolean;
  job: JobRow;
  tasks: TaskRow[];
}

/** Where spend is summed (budgets.ts's Ledger, across a network). */
export interface AsyncLedger {
  spent(filter: SpendFilter, since: number): Promise<Micros>;
}

export interface AsyncStore extends AsyncLedger {
  /** Problems with the store now, for readiness and for refusing new work. */
  readonly health: StoreHealth;
  getSettings(platform: JobOrigin['platform'], workspaceId: string): Promise<WorkspaceSettings | undefined>;
  putSettings(
    platform: JobOrigin['platform'],
    workspaceId: string,
    settings: WorkspaceSettings,
  ): Promise<void>;
  /** Spend since `since` grouped by UTC day, model and user (for usage and charts), in that order. */
  spendBreakdown(
    filter: { platform: JobOrigin['platform']; workspaceId?: string; userId?: string },
    since: number,
  ): Promise<SpendRow[]>;
  /** Inserts a job and its tasks in one transaction; STORE_UNAVAILABLE when it would not be durable. */
  insertJob(job: JobRow, tasks: TaskRow[]): Promise<void>;
  /**
   * Inserts a job and its tasks only if its estimate fits every budget of its workspace's settings as
   * they stand at that moment; BudgetError (BUDGET_EXCEEDED) otherwise, and nothing is written. Atomic
   * across processes: of many racing inserts, exactly those that fit are admitted. `now` places the
   * budget windows.
   */
  insertJobWithinBudgets(job: JobRow, tasks: TaskRow[], now: number): Promise<void>;
  getJob(id: string): Promise<JobRow | undefined>;
  getTasks(jobId: string, withImages?: boolean): Promise<TaskRow[]>;
  /** A job and its tasks (without images) in one read: where a step needs both, one round trip. */
  getJobWithTasks(id: string): Promise<{ job: JobRow; tasks: TaskRow[] } | undefined>;
  updateJob(id: string, patch: JobPatch): Promise<void>;
  /**
   * Merges `patch` into the job's delivery record in one atomic step, as `{ ...delivery, ...patch }`
   * written as JSON: top-level keys only, and a key whose value JSON leaves out (`undefined`) is
   * removed. Patches racing from any process all survive. False when the job is unknown.
   */
  patchDelivery(id: string, patch: Record<string, unknown>): Promise<boolean>;
  updateTask(jobId: string, index: number, patch: TaskPatch): Promise<void>;
  /**
   * A task handed its slot starts, in one atomic step: the task becomes `submitting`, and the job
   * `running` (from `startedAt`) only if it is still `queued`. `started` says whether this call is the
   * one that moved the job out of `queued`: of racing starts of one job's tasks, exactly one is. The job
   * and its tasks come back as they are after this call's change (this task `submitting`; the job
   * running when `started`); a sibling's change racing it may be a moment ahead, as after any read.
   * Undefined when the job is unknown; an index the job has no task at starts nothing.
   */
  startTask(jobId: string, index: number, startedAt: number): Promise<StartedTask | undefined>;
  /** Applies every change in order, all or none (a job and its task started together, a delivery). */
  write(writes: StoreWrite[]): Promise<void>;
  /** Drops stored images of a delivered job. */
  dropImages(jobId: string): Promise<void>;
  /** Jobs not yet in a final state (awaiting confirmation, queued, running, ready), oldest first. */
  unfinishedJobs(): Promise<JobRow[]>;
  /** Finds the job and task index of a provider task id (for webhooks). */
  findTask(providerTaskId: string): Promise<{ jobId: string; index: number } | undefined>;
  /**
   * Images of this person waiting or generating (tasks not yet terminal of queued or running jobs), in
   * every process: the per-person cap where several processes share the queue.
   */
  pendingImages(platform: JobOrigin['platform'], userId: string): Promise<number>;
  /** At most `limit` jobs matching `query`, newest first (ties: the later inserted first). */
  recentJobs(query: JobQuery, limit: number): Promise<JobRow[]>;
  /**
   * Records `key` (a platform request id) until `expiresAt`; true the first time, false while an
   * earlier record lives — whichever process asks. Durable, so a replay after a restart is refused.
   */
  claimOnce(key: string, expiresAt: number): Promise<boolean>;
  /**
   * Moves to `expiresAt` the expiry of those of these claims that still live, all in one step: a claim
   * kept while its work goes on. One that lapsed stays lapsed (another process may hold it by now).
   */
  extendClaims(keys: readonly string[], expiresAt: number): Promise<void>;
  /**
   * Folds finished jobs created before the UTC midnight `keepDays` ago into per-day, per-user,
   * per-model totals and deletes them; spend figures read both, so none changes. Returns jobs folded.
   */
  foldHistory(keepDays: number, now?: number): Promise<number>;
  close(): Promise<void>;
}
