/**
 * The shape of a job as the rest of the program sees it: what front ends create, read, and are told.
 * A job is what a member asked for (1–4 images); each image is a task that holds one provider slot.
 */
import type { Charge, ErrorCode } from './errors.ts';
import type { Micros } from './pricing.ts';
import type { GenerationRequest } from './request.ts';
import type { JobRow, TaskRow } from './store/types.ts';

export type Platform = 'discord' | 'slack' | 'cli';

/**
 * queued → running (a task was submitted) → ready (all tasks terminal, ≥1 image, not yet delivered)
 * → delivered; or failed / cancelled (only while queued) / needs_review (crashed mid-submit: it may
 * have been charged, a person should look); or undeliverable (generated and charged, but the place it
 * was asked for closed to the bot: the requester was told privately, an admin can see it).
 */
export type JobState =
  | 'awaiting_confirmation'
  | 'queued'
  | 'running'
  | 'ready'
  | 'delivered'
  | 'failed'
  | 'cancelled'
  | 'needs_review'
  | 'undeliverable';
export type TaskState = 'queued' | 'submitting' | 'submitted' | 'ready' | 'failed' | 'needs_review';

export interface JobOrigin {
  platform: Platform;
  /** The requester's platform id. */
  userId: string;
  userName?: string;
  /** Discord guild or Slack team; absent in DMs and on the CLI. */
  workspaceId?: string;
  channelId?: string;
  /** The language the requester's card and results are shown in (a locale tag the edge chose). */
  locale?: string;
}

/** A failure as data: the edge turns it into words. */
export interface JobError {
  code: ErrorCode;
  message: string;
  charge: Charge;
  detail?: string;
}

/**
 * A task as front ends see it: its row without the provider's ids and the image bytes (those reach a
 * front end only in a `ready` event). Made by jobs/view.ts, the one place a row becomes a view.
 */
export type TaskView = Pick<TaskRow, 'index' | 'seed' | 'state' | 'costMicros' | 'costEstimated' | 'error'>;

/** A job as front ends see it: its stored row and its tasks' views. */
export interface JobView extends JobRow {
  /** True when part of costMicros is our estimate rather than the provider's figure. */
  costEstimated?: boolean;
  tasks: TaskView[];
}

export interface JobImage {
  index: number;
  seed: number;
  data: Buffer;
  contentType: string;
  costMicros: Micros;
}

/** Why a job waits although it could run: the provider account cannot pay (a 402). */
export type HoldReason = 'out_of_credits';

export type JobEvent =
  | { type: 'queued'; job: JobView; position: number }
  /** Submits are held for everyone (the job stays queued or keeps its slot): the card says why. */
  | { type: 'waiting'; job: JobView; reason: HoldReason }
  | { type: 'position'; job: JobView; position: number }
  | { type: 'started'; job: JobView }
  /** A task's provider status; `progress` 0..1 when the provider reports one, `index` the task's. */
  | { type: 'progress'; job: JobView; status: string; progress?: number; index?: number }
  /** All tasks are terminal and at least one image exists; failed tasks are in job.tasks[i].error. */
  | { type: 'ready'; job: JobView; images: JobImage[] }
  | { type: 'failed'; job: JobView; error: JobError }
  | { type: 'cancelled'; job: JobView }
  | { type: 'needs_review'; job: JobView };

/**
 * What a front end gives the jobs service. `handle` is awaited for `ready`: when it resolves the job is
 * delivered (and its images dropped from the store); when it throws, the job stays ready and delivery is
 * tried again later (and after a restart) — except an UndeliverableError, which ends it `undeliverable`.
 * Other events are fire-and-forget for the sink.
 */
export interface JobSink {
  handle(event: JobEvent): Promise<void>;
}

export interface CreateJobInput {
  /** The id, when the front end names the job before it exists (its first card's Cancel); else a new one. */
  id?: string;
  request: GenerationRequest;
  origin: JobOrigin;
  delivery?: Record<string, unknown>;
  parentId?: string;
  /** Hold the job (its estimate reserved) until the requester confirms; it expires if they do not. */
  awaitConfirmation?: boolean;
}

/**
 * What front ends call. Whatever reads or writes the store returns a promise (the store may be a
 * database across the network); what this process alone knows stays synchronous: `holdReason` and
 * `load` (memory), `wake` (this process's waits), `attach` (it looks for kept jobs in the background).
 */
export interface JobsService {
  /**
   * Records the job (before anything is spent) and queues it. The budgets of its workspace are checked
   * and its estimate reserved in the same atomic store write. Rejects with ValidationError QUEUE_FULL,
   * BudgetError BUDGET_EXCEEDED.
   */
  create(input: CreateJobInput): Promise<JobView>;
  get(id: string): Promise<JobView | undefined>;
  /**
   * 1-based place in line while queued; 0 once running; undefined when unknown or finished. Given the
   * job as just read, it is not read again.
   */
  position(job: string | Pick<JobView, 'id' | 'state' | 'request'>): Promise<number | undefined>;
  /**
   * Whether a place in line told for this job still holds as its card is edited. In a line shared by
   * several processes, false once none of its images waits there (asked of Redis: one read an image):
   * another process may have started it and said so on the card. In this process's own line the job's
   * events come in order, so a place shown before "generating" is never late: true.
   */
  placeHolds(job: Pick<JobView, 'id' | 'request'>): boolean | Promise<boolean>;
  /** Why every new submit is held right now, if it is (new cards say so at once). */
  holdReason(): HoldReason | undefined;
  /** Cancels a queued (or unconfirmed) job. Rejects with FluxError JOB_NOT_FOUND / JOB_NOT_CANCELLABLE. */
  cancel(id: string): Promise<JobView>;
  /**
   * Queues a job that was waiting for confirmation. Rejects with JOB_NOT_FOUND / CONFIRMATION_EXPIRED,
   * and ValidationError QUEUE_FULL when the requester's line filled up meanwhile.
   */
  confirm(id: string): Promise<JobView>;
  /**
   * Merges front-end delivery data (card message id, thread id …) into the stored job; a key set to
   * `undefined` is removed. Each patch is atomic, whatever else races it; two made without awaiting the
   * first may land in either order.
   */
  updateDelivery(id: string, patch: Record<string, unknown>): Promise<void>;
  /** The sink for jobs of one platform; events for jobs of a platform with no sink are kept for later. */
  attach(platform: Platform, sink: JobSink): void;
  /**
   * A provider webhook said this task changed: look at it now. Returns false when this process is not
   * waiting for that task (unknown, or another process's).
   */
  wake(providerTaskId: string): boolean;
  /** Resumes what a previous process left in flight, then runs. */
  start(): Promise<void>;
  /** Images waiting for a provider slot, and provider tasks in flight (for metrics). */
  load(): { queued: number; active: number };
  /**
   * Stops starting work: queued tasks stay queued and submitted ones resumable in the store, new jobs
   * are still stored (for the next start) until it resolves, and deliveries under way get `graceMs`.
   */
  stop(graceMs?: number): Promise<void>;
}
