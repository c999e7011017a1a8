/**
 * The end of a job: once every task is terminal it becomes ready (≥1 image, handed to its platform's
 * sink), failed (the first error) or needs_review (nothing came and a task may have been charged).
 * This owns the deliveries under way, the retries of failed ones and, where processes share the store,
 * the claims that keep the others off them.
 */
import { UndeliverableError } from '../errors.ts';
import type { JobError, JobEvent, JobImage, JobSink, JobState, Platform } from '../job-types.ts';
import type { Logger } from '../logger.ts';
import type { AsyncStore } from '../store/port.ts';
import type { TaskRow } from '../store/types.ts';
import type { JobLocks } from './job-locks.ts';
import { jobLog } from './keys.ts';
import { jobView } from './view.ts';

const RETRY_DELAYS_MS = [2_000, 15_000, 60_000];
/**
 * Where processes share the store, a delivery is claimed for DELIVERY_CLAIM_MS and the claim renewed
 * every RENEW_CLAIMS_MS while this process delivers the job or waits to retry it: the claim of a process
 * that dies lapses within 2 minutes (then the others' sweeps take the job), however long a live one's
 * uploads (up to 2 min each) and retries take. Two renewals in a row may fail with the claim still held.
 */
const DELIVERY_CLAIM_MS = 2 * 60_000;
const RENEW_CLAIMS_MS = 40_000;
/**
 * A delivery given up (no retry left) keeps its claim this long, once: the other processes' sweeps take
 * the job up again only then, not every DELIVERY_CLAIM_MS.
 */
const GIVEN_UP_CLAIM_MS = 10 * 60_000;
const FINAL = new Set<JobState>(['delivered', 'failed', 'cancelled', 'needs_review', 'undeliverable']);
export const TERMINAL_TASK: ReadonlySet<TaskRow['state']> = new Set(['ready', 'failed', 'needs_review']);

export interface DeliveryDeps {
  store: Pick<AsyncStore, 'getJobWithTasks' | 'getTasks' | 'updateJob' | 'write'>;
  /**
   * Whether a job is complete, and claiming its delivery, happen under the job's lock: two tasks
   * finishing together must not both find it complete and deliver it twice.
   */
  locks: JobLocks;
  sinkFor(platform: Platform): JobSink | undefined;
  emit(event: JobEvent): void;
  now(): number;
  logger: Logger;
  /** Aborted by stop(): no delivery starts, and none is retried, after it. */
  stopSignal: AbortSignal;
  /**
   * Where several processes share the store: claims on ready jobs' deliveries. The job's lock orders
   * the reads; a claim keeps a second process that finds the same job ready from posting it again.
   * Absent: this process is the only one.
   */
  claims?: DeliveryClaims;
}

export interface DeliveryClaims {
  /** Claims a job's delivery for this process until `expiresAt`; false while another holds it. */
  claim(jobId: string, expiresAt: number): Promise<boolean>;
  /** Moves the expiry of those of these jobs' claims that still live to `expiresAt`, in one call. */
  extend(jobIds: readonly string[], expiresAt: number): Promise<void>;
}

export interface Delivery {
  /** Settles the job when all its tasks are terminal, and delivers it when it has images. */
  deliver(jobId: string): Promise<void>;
  /** Fire-and-forget `deliver`: delivery (platform uploads, their own rate limits) never holds a slot. */
  settle(jobId: string): void;
  /** Resolves when the deliveries under way now have ended, however they ended. */
  underWay(): Promise<unknown>;
}

export function createDelivery(deps: DeliveryDeps): Delivery {
  const { store, logger, stopSignal } = deps;
  /** By job, so two tasks finishing together deliver once, and stop can let them end. */
  const delivering = new Map<string, Promise<void>>();
  /** Failed deliveries per job, for the retry schedule. */
  const retries = new Map<string, number>();
  /** Jobs whose delivery this process has claimed (kept through its retries): renewed while here. */
  const claimed = new Set<string>();
  const renewals = deps.claims && !stopSignal.aborted ? renewClaims(deps.claims) : undefined;

  async function deliver(jobId: string): Promise<void> {
    const handed = await deps.locks.run(jobId, () => settleOrHand(jobId));
    await handed?.done;
  }

  /**
   * Ends the job when all its tasks are terminal; with images, hands them to the sink and records the
   * delivery in `delivering` (before the lock is let go, so a second caller finds it there). Returns
   * the delivery it started, if it started one.
   */
  async function settleOrHand(jobId: string): Promise<{ done: Promise<void> } | undefined> {
    // Before reading: a delivery under way may record its end while this reads, and then it is no
    // longer in `delivering` although what was read still says ready. Once none is under way here, any
    // earlier one has written how it ended.
    if (delivering.has(jobId)) return undefined;
    const handed = await readAndHand(jobId);
    // None under way, and none could start but this one: a claim kept for a retry that finds nothing
    // to hand (the job ended elsewhere, no sink) is let go rather than renewed for ever.
    if (!handed) {
      claimed.delete(jobId);
      retries.delete(jobId);
    }
    return handed;
  }

  async function readAndHand(jobId: string): Promise<{ done: Promise<void> } | undefined> {
    // Read under the lock (the caller's), job and tasks at once: whether the job is complete is only
    // known once no other change of it can run. Without images: most calls find a sibling task still
    // running and stop here, and the images are read below only for the delivery this claims.
    const read = await store.getJobWithTasks(jobId);
    if (!read) return;
    const { job } = read;
    let { tasks } = read;
    if (FINAL.has(job.state) || job.state === 'awaiting_confirmation') return;
    if (!tasks.every((t) => TERMINAL_TASK.has(t.state))) return;
    const cost = tasks.reduce((sum, t) => sum + (t.costMicros ?? 0), 0);
    const finishedAt = job.finishedAt ?? deps.now();
    const log = jobLog(logger, job);

    if (!tasks.some((t) => t.state === 'ready')) {
      const review = tasks.find((t) => t.state === 'needs_review');
      const error: JobError = (review ?? tasks.find((t) => t.error))?.error ?? {
        code: 'TASK_FAILED',
        message: 'no image',
        charge: 'unknown',
      };
      const state = review ? 'needs_review' : 'failed';
      await store.updateJob(jobId, { state, costMicros: cost, finishedAt, error });
      const view = jobView({ ...job, state, costMicros: cost, finishedAt, error }, tasks);
      deps.emit(
        state === 'failed' ? { type: 'failed', job: view, error } : { type: 'needs_review', job: view },
      );
      log.info({ state, code: error.code, cost }, 'job ended without an image');
      return;
    }

    if (job.state !== 'ready') await store.updateJob(jobId, { state: 'ready', costMicros: cost, finishedAt });
    const sink = deps.sinkFor(job.origin.platform);
    // Kept ready in the store: delivered when a sink attaches, or after a restart.
    if (!sink || stopSignal.aborted) return;
    if (deps.claims && !claimed.has(jobId)) {
      if (!(await deps.claims.claim(jobId, deps.now() + DELIVERY_CLAIM_MS))) return;
      claimed.add(jobId);
    }
    // Read again for the images only now: in the first read they would be fetched at every task's end
    // of a job of several images, and for a job another process holds the claim on.
    tasks = await store.getTasks(jobId, true);
    const images: JobImage[] = [];
    for (const t of tasks) {
      if (t.state !== 'ready' || !t.image) continue;
      const { data, contentType } = t.image;
      images.push({ index: t.index, seed: t.seed, data, contentType, costMicros: t.costMicros ?? 0 });
    }
    const view = jobView({ ...job, state: 'ready', costMicros: cost, finishedAt }, tasks);
    const handed = sink.handle({ type: 'ready', job: view, images });
    const done = recordHanded(jobId, handed, log, { cost, images: images.length }).finally(() => {
      delivering.delete(jobId);
      if (!retries.has(jobId)) claimed.delete(jobId);
    });
    delivering.set(jobId, done);
    return { done };
  }

  /** Records how the sink's delivery ended: a failure is retried, or kept for the next start. */
  async function recordHanded(
    jobId: string,
    handed: Promise<void>,
    log: Logger,
    sent: { cost: number; images: number },
  ): Promise<void> {
    try {
      await handed;
      await store.write([
        { kind: 'job', id: jobId, patch: { state: 'delivered' } },
        { kind: 'dropImages', jobId },
      ]);
      retries.delete(jobId);
      log.info(sent, 'job delivered');
    } catch (err) {
      if (err instanceof UndeliverableError) {
        const error: JobError = { code: 'UNDELIVERABLE', message: err.message, charge: 'charged' };
        await store.write([
          { kind: 'job', id: jobId, patch: { state: 'undeliverable', error } },
          // Kept for an admin to hand over when the requester could not be sent them either.
          ...(err.imagesSent ? [{ kind: 'dropImages' as const, jobId }] : []),
        ]);
        retries.delete(jobId);
        log.warn(
          { err, cost: sent.cost, imagesSent: err.imagesSent },
          'job undeliverable: requester told privately',
        );
        return;
      }
      const attempt = retries.get(jobId) ?? 0;
      const delay = RETRY_DELAYS_MS[attempt];
      log.warn(
        { err, attempt },
        delay === undefined ? 'delivery failed; kept for the next start' : 'delivery failed; will retry',
      );
      if (delay !== undefined && !stopSignal.aborted) {
        retries.set(jobId, attempt + 1);
        setTimeout(() => {
          if (!stopSignal.aborted) settle(jobId);
        }, delay).unref();
        return;
      }
      retries.delete(jobId);
      claimed.delete(jobId);
      if (delay === undefined) await renewals?.extend([jobId], GIVEN_UP_CLAIM_MS);
    }
  }

  /**
   * Renews every claim in `claimed` each RENEW_CLAIMS_MS in one call, until stopped. Extensions run one
   * after another, each naming its jobs when it runs: a renewal still on its way cannot cut short the
   * back-off of a job given up meanwhile.
   */
  function renewClaims(claims: DeliveryClaims) {
    let last: Promise<void> = Promise.resolve();
    let renewing = false;
    const extend = (jobIds: Iterable<string>, ms: number): Promise<void> => {
      last = last.then(async () => {
        const ids = [...jobIds];
        if (ids.length) await claims.extend(ids, deps.now() + ms);
      });
      last = last.catch((err: unknown) => logger.warn({ err }, 'delivery claims not extended'));
      return last;
    };
    const timer = setInterval(() => {
      // Skipped while one is still under way (a slow store): they would only pile up.
      if (claimed.size === 0 || renewing) return;
      renewing = true;
      void extend(claimed, DELIVERY_CLAIM_MS).finally(() => {
        renewing = false;
      });
    }, RENEW_CLAIMS_MS);
    timer.unref();
    stopSignal.addEventListener('abort', () => clearInterval(timer), { once: true });
    return { extend };
  }

  function settle(jobId: string): void {
    deliver(jobId).catch((err: unknown) => logger.error({ err, jobId }, 'settling a job failed'));
  }

  return {
    deliver,
    settle,
    underWay: () => Promise.allSettled([...delivering.values()]),
  };
}
