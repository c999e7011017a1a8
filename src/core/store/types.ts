/**
 * The store port: durable jobs and tasks. SQLite (better-sqlite3) by default; a server database can
 * take its place behind the same interface when the bot scales out.
 */
import type { Ledger, WorkspaceSettings } from '../budgets.ts';
import type { JobError, JobOrigin, JobState, TaskState } from '../job-types.ts';
import type { SubmittedTask } from '../providers/types.ts';
import type { GenerationRequest } from '../request.ts';
import type { StoreHealth } from './health.ts';

export interface JobRow {
  id: string;
  state: JobState;
  request: GenerationRequest;
  origin: JobOrigin;
  /** Front-end data to find the card/thread again after a restart (JSON). */
  delivery: Record<string, unknown>;
  /** The job this one rerolls or remixes, if any. */
  parentId?: string;
  estimateMicros: number;
  /** Sum of the tasks' settled costs, once they are terminal. */
  costMicros?: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  error?: JobError;
}

export interface TaskRow {
  jobId: string;
  index: number;
  seed: number;
  state: TaskState;
  submitted?: SubmittedTask;
  /** Settled cost of this image (provider's figure, else the estimate); 0 when moderated. */
  costMicros?: number;
  /** True when costMicros is our estimate: the provider never said (a failure whose charge is unknown). */
  costEstimated?: boolean;
  error?: JobError;
  /** The downloaded image, kept until the job is delivered. */
  image?: { data: Buffer; contentType: string };
}

export interface SpendRow {
  day: string;
  model: string;
  userId: string;
  micros: number;
}

/** Which jobs `recentJobs` lists: one platform and workspace, optionally one member or an id prefix. */
export interface JobQuery {
  platform: JobOrigin['platform'];
  /** The server or workspace; absent: jobs made outside any (DMs, the CLI). */
  workspaceId?: string;
  userId?: string;
  /** Only jobs whose id starts with this (a short id a member typed). */
  idPrefix?: string;
}

export interface Store extends Ledger {
  /** Problems with the store now (a failed write being retried, the file removed), for readiness. */
  readonly health: StoreHealth;
  getSettings(platform: JobOrigin['platform'], workspaceId: string): WorkspaceSettings | undefined;
  putSettings(platform: JobOrigin['platform'], workspaceId: string, settings: WorkspaceSettings): void;
  /** Spend since `since` grouped by UTC day, model and user (for usage and charts). */
  spendBreakdown(
    filter: { platform: JobOrigin['platform']; workspaceId?: string; userId?: string },
    since: number,
  ): SpendRow[];
  /** Inserts a job and its tasks in one transaction; STORE_UNAVAILABLE when it would not be durable. */
  insertJob(job: JobRow, tasks: TaskRow[]): void;
  getJob(id: string): JobRow | undefined;
  getTasks(jobId: string, withImages?: boolean): TaskRow[];
  updateJob(id: string, patch: Partial<Omit<JobRow, 'id' | 'request' | 'origin'>>): void;
  updateTask(jobId: string, index: number, patch: Partial<Omit<TaskRow, 'jobId' | 'index' | 'seed'>>): void;
  /** Merges `patch` into the job's delivery record (see port.ts); false when the job is unknown. */
  patchDelivery(id: string, patch: Record<string, unknown>): boolean;
  /** Drops stored images of a delivered job. */
  dropImages(jobId: string): void;
  /** Jobs not yet in a final state (queued, running, ready), oldest first. */
  unfinishedJobs(): JobRow[];
  /** Finds the job and task index of a provider task id (for webhooks). */
  findTask(providerTaskId: string): { jobId: string; index: number } | undefined;
  /** Images of this person waiting or generating (tasks not yet terminal of queued or running jobs). */
  pendingImages(platform: JobOrigin['platform'], userId: string): number;
  /** At most `limit` jobs matching `query`, newest first (ties: the later inserted first). */
  recentJobs(query: JobQuery, limit: number): JobRow[];
  /**
   * Records `key` (a platform request id) until `expiresAt`; true the first time, false while an
   * earlier record lives. Durable, so a replay after a restart is still refused.
   */
  claimOnce(key: string, expiresAt: number): boolean;
  /** Moves to `expiresAt` the expiry of those of these claims that still live, in one transaction. */
  extendClaims(keys: readonly string[], expiresAt: number): void;
  /**
   * Folds finished jobs created before the UTC midnight `keepDays` ago into per-day, per-user,
   * per-model totals and deletes them; spend figures read both, so none changes. Returns jobs folded.
   */
  foldHistory(keepDays: number, now?: number): number;
  /** Runs `fn` in one write transaction (taken at once, so other processes wait, not interleave). */
  transaction<T>(fn: () => T): T;
  close(): void;
}
