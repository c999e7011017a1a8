/**
 * The parts of the jobs service, wired: each is the one owner of its state, and each gets only the
 * functions it needs from the others. jobs/pending.ts owns the per-user counts, jobs/waits.ts the waits
 * by provider task id, jobs/deliver.ts the deliveries under way and their retries, jobs/positions.ts the
 * places told, jobs/credits.ts the hold while out of credits, jobs/sinks.ts the platforms' sinks;
 * jobs/tasks.ts runs one image in a slot; jobs/job-locks.ts orders the changes of one job (the store
 * answers asynchronously, so a read and its write are no longer one step). Being stopped is the abort
 * of `stopSignal`, read by all.
 */
import type { JobEvent, JobView, Platform } from '../job-types.ts';
import type { Logger } from '../logger.ts';
import type { ModelCatalog, ModelId } from '../models.ts';
import type { PriceTable } from '../pricing.ts';
import { createLatencyModel } from '../providers/poll-policy.ts';
import type { Provider } from '../providers/types.ts';
import type { DistributedScheduler } from '../queue/types.ts';
import type { WakeChannel } from '../queue/wake-channel.ts';
import { createScheduler, type Scheduler } from '../scheduler.ts';
import type { AsyncStore } from '../store/port.ts';
import type { JobRow } from '../store/types.ts';
import { createConfirmations } from './confirmations.ts';
import { type CreditCheckPolicy, createCreditGate, DEFAULT_CREDIT_CHECK } from './credits.ts';
import { createDelivery } from './deliver.ts';
import { createJobLocks, type JobLocks } from './job-locks.ts';
import { saltedUserHash } from './keys.ts';
import { createPendingCounts, createSharedPendingCounts } from './pending.ts';
import { createPositionFeed, placesByJob } from './positions.ts';
import { createSinks } from './sinks.ts';
import { SWEEP_EVERY_MS, startSweep } from './sweep.ts';
import { inProcessQueue, sharedQueue } from './task-queue.ts';
import { createTaskRunner } from './tasks.ts';
import { jobView } from './view.ts';
import { createWaits } from './waits.ts';

export interface JobsOptions {
  store: AsyncStore;
  provider: Provider;
  catalog: ModelCatalog;
  prices: PriceTable;
  /** The provider's active-task limit (BFL: 24); used when no `scheduler` is given. */
  maxActive?: number;
  scheduler?: Scheduler;
  /**
   * Distributed mode: the line is BullMQ's, shared by every process (used instead of `scheduler`), and
   * the changes of one job are held against the other processes by `locks` (the store's advisory locks);
   * `wakes` carries a webhook's wake to the process waiting for that task.
   */
  distributed?: { queue: DistributedScheduler; locks: JobLocks; wakes: WakeChannel };
  /** Images one user may have waiting or generating at once. */
  maxQueuedPerUser: number;
  logger: Logger;
  now?: () => number;
  /** The opaque user id sent to the provider; default: salted sha256 of `platform:userId`. */
  userHash?: (platform: Platform, userId: string) => string;
  /** Salt for the default userHash. */
  userSalt?: string;
  /** How long position updates are gathered before they are sent (default 300 ms). */
  positionDebounceMs?: number;
  /** How long a job waits for its requester's confirmation (default 5 minutes). */
  confirmTtlMs?: number;
  /**
   * Distributed mode: how often each process looks for what a dead process left (jobs/sweep.ts), and
   * how old a queued job must be before it counts as left (default 60 s).
   */
  sweepEveryMs?: number;
  /** Generation time to expect before any was observed (default: the catalog's typical times). */
  typicalMs?: (model: ModelId) => number;
  /** How often the balance is looked at (or a submit probes) while out of credits. */
  creditCheck?: Partial<CreditCheckPolicy>;
}

/** A ready job's delivery claim in the store (store.claimOnce). */
const deliverKey = (jobId: string) => `deliver:${jobId}`;

/** Events of a job still in line: any other means it left it (started or ended). */
const IN_LINE = new Set<JobEvent['type']>(['queued', 'position', 'waiting']);

export function createJobParts(options: JobsOptions) {
  const { store, catalog, logger, prices } = options;
  const now = options.now ?? Date.now;
  const stopper = new AbortController();
  const stopSignal = stopper.signal;
  const scheduler = options.distributed
    ? sharedQueue(options.distributed.queue, (err) => logger.error({ err }, 'task not queued in Redis'))
    : inProcessQueue(options.scheduler ?? createScheduler({ maxActive: options.maxActive ?? 24 }));
  const sinks = createSinks(logger);
  const pending = scheduler.shared
    ? createSharedPendingCounts(options.maxQueuedPerUser, (o) => store.pendingImages(o.platform, o.userId))
    : createPendingCounts(options.maxQueuedPerUser);
  const waits = createWaits();
  options.distributed?.wakes.listen((id) => waits.wake(id));
  const locks = createJobLocks(options.distributed?.locks);
  const viewOf = async (job: JobRow) => jobView(job, await store.getTasks(job.id));
  const emit = (event: JobEvent): void => {
    // A started job already left the line; a queued one told to wait keeps its place.
    if (!IN_LINE.has(event.type)) positions.left(event.job.id);
    sinks.send(event);
  };
  const credits = createCreditGate({
    scheduler,
    ...(options.provider.credits ? { credits: options.provider.credits.bind(options.provider) } : {}),
    policy: { ...DEFAULT_CREDIT_CHECK, ...options.creditCheck },
    stopSignal,
    queuedJobs: () => queuedViews(),
    tell: (job, reason) => emit({ type: 'waiting', job, reason }),
    reopened: () => positions.retell(),
    warn: (fields, message) => logger.warn(fields, message),
  });
  const positions = createPositionFeed(
    {
      scheduler,
      store,
      emit,
      held: () => credits.reason !== undefined,
      stopSignal,
      warn: (fields, message) => logger.warn(fields, message),
      now,
    },
    // A job hears a changed place at most every PLACE_EVERY_MS, unless near the front (positions.ts).
    { debounceMs: options.positionDebounceMs ?? 300 },
  );
  const delivery = createDelivery({
    store,
    locks,
    sinkFor: sinks.get,
    emit,
    now,
    logger,
    stopSignal,
    // How long a claim lasts, and when it is renewed, is deliver.ts's: here only the store's keys.
    ...(scheduler.shared
      ? {
          claims: {
            claim: (jobId: string, expiresAt: number) => store.claimOnce(deliverKey(jobId), expiresAt),
            extend: (jobIds: readonly string[], expiresAt: number) =>
              store.extendClaims(jobIds.map(deliverKey), expiresAt),
          },
        }
      : {}),
  });
  const tasks = createTaskRunner({
    store,
    provider: options.provider,
    scheduler,
    credits,
    latency: createLatencyModel(options.typicalMs ?? ((m) => catalog[m].typicalMs)),
    prices,
    pending,
    waits,
    settle: delivery.settle,
    leftLine: (jobId) => positions.left(jobId),
    emit,
    userHash: options.userHash ?? saltedUserHash(options.userSalt ?? 'flux-bot'),
    now,
    logger,
    stopSignal,
  });
  const confirmations = createConfirmations(
    { store, locks, emit, now, logger, stopSignal },
    options.confirmTtlMs ?? 5 * 60_000,
  );

  /** Jobs with images waiting in line, each once (those that left it while being read are left out). */
  async function queuedViews(): Promise<JobView[]> {
    const views: JobView[] = [];
    for (const id of placesByJob(scheduler).keys()) {
      const read = await store.getJobWithTasks(id);
      if (read) views.push(jobView(read.job, read.tasks));
    }
    const inLine = placesByJob(scheduler);
    return views.filter((v) => inLine.has(v.id));
  }

  /** Distributed mode: sweeps until the returned stop is called. */
  const sweep = () =>
    startSweep(
      {
        store,
        locks,
        scheduler,
        tasks,
        settle: delivery.settle,
        expire: confirmations.expireLater,
        now,
        logger,
        stopSignal,
      },
      options.sweepEveryMs ?? SWEEP_EVERY_MS,
    );

  /** A webhook's wake: this process's wait for the task, else whichever process has it. */
  const wake = (providerTaskId: string): boolean => {
    if (waits.wake(providerTaskId)) return true;
    options.distributed?.wakes.publish(providerTaskId);
    return false;
  };

  return {
    now,
    wake,
    stopper,
    scheduler,
    sinks,
    pending,
    waits,
    locks,
    viewOf,
    emit,
    credits,
    positions,
    delivery,
    tasks,
    confirmations,
    startSweep: sweep,
  };
}
