/**
 * The job lifecycle. A job is written to the store before anything is spent; each image is a task
 * that moves queued → submitting → submitted (provider id and polling URL stored) → ready | failed.
 * After a crash, start() resumes (jobs/resume.ts). Split: jobs/tasks.ts runs one image in a slot,
 * jobs/deliver.ts ends a job, jobs/positions.ts tells queued jobs their place.
 */
import { createHash, randomUUID } from 'node:crypto';
import { budgetStates, checkBudgets } from './budgets.ts';
import { FluxError, ValidationError } from './errors.ts';
import type { CreateJobInput, JobSink, JobsService, JobView, Platform } from './job-types.ts';
import { createConfirmations } from './jobs/confirmations.ts';
import { type CreditCheckPolicy, createCreditGate, DEFAULT_CREDIT_CHECK } from './jobs/credits.ts';
import { deliverJob } from './jobs/deliver.ts';
import { createPositionFeed } from './jobs/positions.ts';
import { resumeJobs } from './jobs/resume.ts';
import { addPending, type JobRuntime, taskKey, toView, userKey } from './jobs/runtime.ts';
import { queueTask } from './jobs/tasks.ts';
import type { Logger } from './logger.ts';
import type { ModelCatalog, ModelId } from './models.ts';
import { estimateImage, type PriceTable } from './pricing.ts';
import { createLatencyModel } from './providers/poll-policy.ts';
import type { Provider } from './providers/types.ts';
import { seedAt } from './request.ts';
import { createScheduler, type Scheduler } from './scheduler.ts';
import type { JobRow, Store } from './store/types.ts';

export interface JobsOptions {
  store: Store;
  provider: Provider;
  catalog: ModelCatalog;
  prices: PriceTable;
  /** The provider's active-task limit (BFL: 24); used when no `scheduler` is given. */
  maxActive?: number;
  scheduler?: Scheduler;
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
  /** Generation time to expect before any was observed (default: the catalog's typical times). */
  typicalMs?: (model: ModelId) => number;
  /** How often the balance is looked at (or a submit probes) while out of credits. */
  creditCheck?: Partial<CreditCheckPolicy>;
}

/** How long stop() lets deliveries under way finish. */
const DELIVERY_GRACE_MS = 10_000;

export function createJobs(options: JobsOptions): JobsService & { readonly runtime: JobRuntime } {
  const { store, catalog, logger } = options;
  const salt = options.userSalt ?? 'flux-bot';
  const stopper = new AbortController();
  const scheduler = options.scheduler ?? createScheduler({ maxActive: options.maxActive ?? 24 });
  const rt: JobRuntime = {
    store,
    provider: options.provider,
    catalog,
    prices: options.prices,
    logger,
    scheduler,
    credits: createCreditGate({
      scheduler,
      ...(options.provider.credits ? { credits: options.provider.credits.bind(options.provider) } : {}),
      policy: { ...DEFAULT_CREDIT_CHECK, ...options.creditCheck },
      stopSignal: stopper.signal,
      queuedJobs: () => queuedViews(),
      tell: (job, reason) => rt.emit({ type: 'waiting', job, reason }),
      reopened: () => positions.retell(),
      warn: (fields, message) => logger.warn(fields, message),
    }),
    latency: createLatencyModel(options.typicalMs ?? ((m) => catalog[m].typicalMs)),
    now: options.now ?? Date.now,
    sinks: new Map<Platform, JobSink>(),
    waits: new Map(),
    pending: new Map(),
    stopping: false,
    stopSignal: stopper.signal,
    delivering: new Map(),
    deliveryRetries: new Map(),
    userHash:
      options.userHash ??
      ((platform, userId) =>
        createHash('sha256').update(`${salt}:${platform}:${userId}`).digest('hex').slice(0, 32)),
    emit(event) {
      // A started job already left the line; a queued one told to wait keeps its place.
      if (event.type !== 'queued' && event.type !== 'position' && event.type !== 'waiting')
        positions.left(event.job.id);
      const sink = rt.sinks.get(event.job.origin.platform);
      if (!sink) return; // Live events for a platform without a sink are dropped; ready jobs wait.
      sink
        .handle(event)
        .catch((err: unknown) => logger.warn({ err, jobId: event.job.id, event: event.type }, 'sink failed'));
    },
  };
  const positions = createPositionFeed(rt, options.positionDebounceMs ?? 300);
  let started = false;
  let closed = false;

  const confirmations = createConfirmations(rt, options.confirmTtlMs ?? 5 * 60_000);

  /** The best place of a job's images in line; 0 when none is waiting (handed to a slot, starting). */
  function linePosition(jobId: string, count: number): number {
    let best = 0;
    for (let i = 0; i < count; i++) {
      const pos = rt.scheduler.position(taskKey(jobId, i)) ?? 0;
      if (pos > 0 && (best === 0 || pos < best)) best = pos;
    }
    return best;
  }

  /** Jobs with images waiting in line, each once. */
  function queuedViews(): JobView[] {
    const ids = new Set<string>();
    for (const key of rt.scheduler.positions().keys()) ids.add(key.slice(0, key.lastIndexOf(':')));
    const views: JobView[] = [];
    for (const id of ids) {
      const job = store.getJob(id);
      if (job) views.push(toView(rt, job));
    }
    return views;
  }

  /** Throws QUEUE_FULL when `count` more images would put this person over their cap. */
  function checkCap(origin: JobRow['origin'], count: number): void {
    const cap = options.maxQueuedPerUser;
    const pending = rt.pending.get(userKey(origin.platform, origin.userId)) ?? 0;
    if (pending + count <= cap) return;
    throw new ValidationError(
      'QUEUE_FULL',
      count > 1 && pending < cap ? 'count' : 'queue',
      `at most ${cap} images waiting per person; you have ${pending}`,
      String(count),
    );
  }

  function find(id: string): JobRow {
    const job = store.getJob(id);
    if (!job) throw new FluxError('JOB_NOT_FOUND', `job ${id} unknown`);
    return job;
  }

  /** Queues every task of a job and tells its requester where it stands. */
  function enqueue(job: JobRow, tasks?: Parameters<typeof toView>[2]): JobView {
    for (let i = 0; i < job.request.count; i++) queueTask(rt, job, i);
    const view = toView(rt, job, tasks);
    const position = linePosition(job.id, job.request.count);
    positions.told(job.id, position);
    rt.emit({ type: 'queued', job: view, position });
    const held = rt.credits.reason;
    if (held) rt.emit({ type: 'waiting', job: view, reason: held });
    return view;
  }

  const service: JobsService & { readonly runtime: JobRuntime } = {
    runtime: rt,
    create(input: CreateJobInput): JobView {
      // While stopping (a deploy's drain) a request is still stored, queued for the next start: the
      // platforms do not send it again. Only a stopped service refuses.
      if (closed) throw new FluxError('SHUTTING_DOWN', 'not taking new jobs: stopped');
      const { request, origin } = input;
      checkCap(origin, request.count);
      const waiting = input.awaitConfirmation === true;
      const job: JobRow = {
        id: randomUUID(),
        state: waiting ? 'awaiting_confirmation' : 'queued',
        request,
        origin,
        delivery: input.delivery ?? {},
        estimateMicros: estimateImage(request, options.prices) * request.count,
        createdAt: rt.now(),
        ...(input.parentId ? { parentId: input.parentId } : {}),
      };
      const tasks = Array.from({ length: request.count }, (_, i) => ({
        jobId: job.id,
        index: i,
        seed: seedAt(request, i),
        state: 'queued' as const,
      }));
      const settings = origin.workspaceId
        ? store.getSettings(origin.platform, origin.workspaceId)
        : undefined;
      // Check and reserve together: no other job (or process) can slip in between under the same cap.
      store.transaction(() => {
        if (settings?.budgets.length)
          checkBudgets(budgetStates(settings, origin, store, rt.now()), job.estimateMicros);
        store.insertJob(job, tasks);
      });
      logger.info(
        {
          jobId: job.id,
          platform: origin.platform,
          user: origin.userId,
          model: request.model,
          count: request.count,
          estimate: job.estimateMicros,
          state: job.state,
        },
        'job created',
      );
      if (!waiting) return enqueue(job, tasks);
      confirmations.expireLater(job);
      return toView(rt, job, tasks);
    },

    get(id) {
      const job = store.getJob(id);
      return job ? toView(rt, job) : undefined;
    },

    holdReason: () => rt.credits.reason,

    position(id) {
      const job = store.getJob(id);
      if (!job || (job.state !== 'queued' && job.state !== 'running')) return undefined;
      return job.state === 'running' ? 0 : linePosition(id, job.request.count);
    },

    confirm(id) {
      const job = find(id);
      if (job.state !== 'awaiting_confirmation') {
        throw new FluxError(
          job.state === 'cancelled' ? 'CONFIRMATION_EXPIRED' : 'JOB_NOT_CANCELLABLE',
          `job ${id} is ${job.state}`,
        );
      }
      checkCap(job.origin, job.request.count);
      store.updateJob(id, { state: 'queued' });
      return enqueue({ ...job, state: 'queued' });
    },

    cancel(id) {
      const job = find(id);
      if (job.state === 'awaiting_confirmation') return confirmations.close(job);
      const keys = Array.from({ length: job.request.count }, (_, i) => taskKey(id, i));
      // All or nothing: a task already handed to a slot may be submitting (and billed) right now.
      if (job.state !== 'queued' || !keys.every((k) => rt.scheduler.isQueued(k)))
        throw new FluxError(
          'JOB_NOT_CANCELLABLE',
          `job ${id} is ${job.state === 'queued' ? 'starting' : job.state}`,
        );
      for (const k of keys) rt.scheduler.remove(k);
      addPending(rt, userKey(job.origin.platform, job.origin.userId), -keys.length);
      const patch = { state: 'cancelled' as const, finishedAt: rt.now(), costMicros: 0 };
      store.updateJob(id, patch);
      positions.forget(id);
      const view = toView(rt, { ...job, ...patch });
      rt.emit({ type: 'cancelled', job: view });
      logger.info({ jobId: id, platform: job.origin.platform, user: job.origin.userId }, 'job cancelled');
      return view;
    },

    updateDelivery(id, patch) {
      const job = store.getJob(id);
      if (!job) return;
      store.updateJob(id, { delivery: { ...job.delivery, ...patch } });
      positions.forget(id);
    },

    attach(platform, sink) {
      rt.sinks.set(platform, sink);
      if (!started || rt.stopping) return;
      // Jobs that finished while this platform had no sink were kept ready for it.
      for (const job of store.unfinishedJobs())
        if (job.state === 'ready' && job.origin.platform === platform) void deliverJob(rt, job.id);
    },

    wake(providerTaskId) {
      const entry = rt.waits.get(providerTaskId);
      if (!entry) return false;
      if (entry.wake) entry.wake();
      else entry.wokenEarly = true;
      return true;
    },

    async start() {
      if (started) return;
      started = true;
      resumeJobs(rt, confirmations.expireLater);
    },

    load() {
      return { queued: rt.scheduler.queued, active: rt.scheduler.running };
    },

    async stop(graceMs = DELIVERY_GRACE_MS) {
      rt.stopping = true;
      positions.stop();
      stopper.abort(new FluxError('SHUTTING_DOWN', 'stopping'));
      for (const w of rt.waits.values()) w.controller.abort(new FluxError('SHUTTING_DOWN', 'stopping'));
      await rt.scheduler.stop();
      // An upload under way is let finish (within reason), so it is recorded as delivered and a restart
      // does not post it twice.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...rt.delivering.values()]),
        new Promise((resolve) => {
          grace = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(grace);
      closed = true;
    },
  };
  return service;
}
