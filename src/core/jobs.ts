/**
 * The job lifecycle. A job is written to the store before anything is spent; each image is a task
 * that moves queued → submitting → submitted (provider id and polling URL stored) → ready | failed.
 * After a crash, start() resumes: submitted tasks are waited for again (never resubmitted), queued ones
 * run, ready jobs are delivered, and a task cut off mid-submit is flagged for a person.
 */
import { createHash, randomUUID } from 'node:crypto';
import { budgetStates, checkBudgets } from './budgets.ts';
import { FluxError, ValidationError } from './errors.ts';
import type { CreateJobInput, JobEvent, JobSink, JobsService, JobView, Platform } from './job-types.ts';
import { deliverJob, type JobRuntime, toView } from './jobs/runtime.ts';
import { runTask, waitTask } from './jobs/tasks.ts';
import type { Logger } from './logger.ts';
import type { ModelCatalog, ModelId } from './models.ts';
import { estimateImage, type PriceTable } from './pricing.ts';
import { createLatencyModel } from './providers/poll-policy.ts';
import type { Provider } from './providers/types.ts';
import { createScheduler, type Scheduler } from './scheduler.ts';
import type { Store } from './store/types.ts';

export interface JobsOptions {
  store: Store;
  provider: Provider;
  catalog: ModelCatalog;
  prices: PriceTable;
  maxActive: number;
  /** Images one user may have waiting or generating at once. */
  maxQueuedPerUser: number;
  logger: Logger;
  scheduler?: Scheduler;
  /** Salt for the hashed user id sent to the provider. */
  userSalt?: string;
  /** How long position updates are gathered before they are sent. */
  positionDebounceMs?: number;
  /** How long a job waits for its requester's confirmation (default 5 minutes). */
  confirmTtlMs?: number;
  /** Generation time to expect before any was observed (default: the catalog's typical times). */
  typicalMs?: (model: ModelId) => number;
}

export function createJobs(options: JobsOptions): JobsService & { readonly runtime: JobRuntime } {
  const { store, provider, catalog, logger } = options;
  const scheduler = options.scheduler ?? createScheduler({ maxActive: options.maxActive });
  const salt = options.userSalt ?? 'flux-bot';
  const rt: JobRuntime = {
    store,
    provider,
    catalog,
    prices: options.prices,
    logger,
    scheduler,
    latency: createLatencyModel(options.typicalMs ?? ((m) => catalog[m].typicalMs)),
    sinks: new Map<Platform, JobSink>(),
    waits: new Map(),
    pending: new Map(),
    stopping: false,
    delivering: new Set(),
    userHash: (platform, userId) =>
      createHash('sha256').update(`${salt}:${platform}:${userId}`).digest('hex').slice(0, 32),
    emit(event: JobEvent) {
      const sink = rt.sinks.get(event.job.origin.platform);
      if (!sink) return;
      sink
        .handle(event)
        .catch((err: unknown) => logger.warn({ err, jobId: event.job.id, event: event.type }, 'sink failed'));
    },
  };

  const userKey = (platform: Platform, userId: string) => `${platform}:${userId}`;
  const lastPositions = new Map<string, number>();
  let positionTimer: NodeJS.Timeout | undefined;
  scheduler.onChange(() => {
    if (positionTimer || rt.stopping) return;
    positionTimer = setTimeout(sendPositions, options.positionDebounceMs ?? 300);
    positionTimer.unref();
  });

  /** One pass over the queue; only changed places are sent. */
  function sendPositions(): void {
    positionTimer = undefined;
    const byTask = scheduler.positions();
    const byJob = new Map<string, number>();
    for (const [key, pos] of byTask) {
      const jobId = key.slice(0, key.lastIndexOf(':'));
      const cur = byJob.get(jobId);
      if (cur === undefined || pos < cur) byJob.set(jobId, pos);
    }
    for (const [jobId, pos] of byJob) {
      if (lastPositions.get(jobId) === pos) continue;
      lastPositions.set(jobId, pos);
      const job = store.getJob(jobId);
      if (job?.state === 'queued') rt.emit({ type: 'position', job: toView(rt, job), position: pos });
    }
    for (const jobId of lastPositions.keys()) if (!byJob.has(jobId)) lastPositions.delete(jobId);
  }

  const confirmTtl = options.confirmTtlMs ?? 5 * 60_000;
  /** An unconfirmed job is cancelled (its reservation released) when nobody confirms it in time. */
  function expireLater(jobId: string, createdAt: number): void {
    const timer = setTimeout(
      () => {
        if (store.getJob(jobId)?.state === 'awaiting_confirmation') closeUnconfirmed(jobId);
      },
      Math.max(0, createdAt + confirmTtl - Date.now()),
    );
    timer.unref();
  }

  function closeUnconfirmed(jobId: string): JobView {
    store.updateJob(jobId, { state: 'cancelled', finishedAt: Date.now(), costMicros: 0 });
    const view = toView(rt, store.getJob(jobId) as NonNullable<ReturnType<typeof store.getJob>>);
    rt.emit({ type: 'cancelled', job: view });
    return view;
  }

  function enqueueTask(jobId: string, index: number, user: string): void {
    rt.pending.set(user, (rt.pending.get(user) ?? 0) + 1);
    scheduler.enqueue(user, `${jobId}:${index}`, () =>
      runTask(rt, jobId, index).finally(() => rt.pending.set(user, (rt.pending.get(user) ?? 1) - 1)),
    );
  }

  const service: JobsService & { readonly runtime: JobRuntime } = {
    runtime: rt,
    create(input: CreateJobInput): JobView {
      if (rt.stopping) throw new FluxError('SHUTTING_DOWN', 'not taking new jobs while stopping');
      const { request, origin } = input;
      const user = userKey(origin.platform, origin.userId);
      const queued = rt.pending.get(user) ?? 0;
      if (queued + request.count > options.maxQueuedPerUser) {
        throw new ValidationError(
          'QUEUE_FULL',
          'queue',
          `at most ${options.maxQueuedPerUser} images waiting per person; you have ${queued}`,
        );
      }
      const id = randomUUID();
      const perImage = estimateImage(request, options.prices);
      const row = {
        id,
        state: 'queued' as const,
        request,
        origin,
        delivery: input.delivery ?? {},
        estimateMicros: perImage * request.count,
        createdAt: Date.now(),
        ...(input.parentId ? { parentId: input.parentId } : {}),
      };
      const tasks = Array.from({ length: request.count }, (_, i) => ({
        jobId: id,
        index: i,
        seed: (request.seed + i) % 2 ** 32,
        state: 'queued' as const,
      }));
      const waiting = input.awaitConfirmation === true;
      if (waiting) row.state = 'awaiting_confirmation' as 'queued';
      const settings = origin.workspaceId
        ? store.getSettings(origin.platform, origin.workspaceId)
        : undefined;
      // Check and reserve together: no other job (or process) can slip in between under the same cap.
      store.transaction(() => {
        if (settings?.budgets.length)
          checkBudgets(budgetStates(settings, origin, store, Date.now()), row.estimateMicros);
        store.insertJob(row, tasks);
      });
      if (waiting) {
        expireLater(id, row.createdAt);
        return toView(rt, row, tasks);
      }
      for (let i = 0; i < request.count; i++) enqueueTask(id, i, user);
      const view = toView(rt, row, tasks);
      const position = service.position(id) ?? 0;
      if (position > 0) lastPositions.set(id, position);
      rt.emit({ type: 'queued', job: view, position });
      logger.info(
        {
          jobId: id,
          platform: origin.platform,
          model: request.model,
          count: request.count,
          estimate: row.estimateMicros,
        },
        'job queued',
      );
      return view;
    },

    get(id) {
      const job = store.getJob(id);
      return job ? toView(rt, job) : undefined;
    },

    position(id) {
      const job = store.getJob(id);
      if (!job || (job.state !== 'queued' && job.state !== 'running')) return undefined;
      if (job.state === 'running') return 0;
      let best: number | undefined;
      for (let i = 0; i < job.request.count; i++) {
        const pos = scheduler.position(`${id}:${i}`);
        if (pos !== undefined && (best === undefined || pos < best)) best = pos;
      }
      return best ?? 0;
    },

    confirm(id) {
      const job = store.getJob(id);
      if (!job) throw new FluxError('JOB_NOT_FOUND', `job ${id} unknown`);
      if (job.state !== 'awaiting_confirmation') {
        throw new FluxError(
          job.state === 'cancelled' ? 'CONFIRMATION_EXPIRED' : 'JOB_NOT_CANCELLABLE',
          `job ${id} is ${job.state}`,
        );
      }
      store.updateJob(id, { state: 'queued' });
      const user = userKey(job.origin.platform, job.origin.userId);
      for (let i = 0; i < job.request.count; i++) enqueueTask(id, i, user);
      const view = toView(rt, { ...job, state: 'queued' });
      rt.emit({ type: 'queued', job: view, position: service.position(id) ?? 0 });
      return view;
    },

    cancel(id) {
      const job = store.getJob(id);
      if (!job) throw new FluxError('JOB_NOT_FOUND', `job ${id} unknown`);
      if (job.state === 'awaiting_confirmation') return closeUnconfirmed(job.id);
      if (job.state !== 'queued') throw new FluxError('JOB_NOT_CANCELLABLE', `job ${id} is ${job.state}`);
      const user = userKey(job.origin.platform, job.origin.userId);
      let removed = 0;
      for (let i = 0; i < job.request.count; i++) if (scheduler.remove(`${id}:${i}`)) removed++;
      if (removed !== job.request.count)
        throw new FluxError('JOB_NOT_CANCELLABLE', `job ${id} already started`);
      rt.pending.set(user, Math.max(0, (rt.pending.get(user) ?? 0) - removed));
      store.updateJob(id, { state: 'cancelled', finishedAt: Date.now(), costMicros: 0 });
      const view = toView(rt, store.getJob(id) ?? job);
      rt.emit({ type: 'cancelled', job: view });
      return view;
    },

    updateDelivery(id, patch) {
      const job = store.getJob(id);
      if (job) store.updateJob(id, { delivery: { ...job.delivery, ...patch } });
    },

    attach(platform, sink) {
      rt.sinks.set(platform, sink);
    },

    wake(providerTaskId) {
      const wake = rt.waits.get(providerTaskId)?.wake;
      if (!wake) return false;
      wake();
      return true;
    },

    async start() {
      for (const job of store.unfinishedJobs()) {
        if (job.state === 'awaiting_confirmation') {
          expireLater(job.id, job.createdAt);
          continue;
        }
        const user = userKey(job.origin.platform, job.origin.userId);
        const tasks = store.getTasks(job.id);
        for (const task of tasks) {
          if (task.state === 'queued') enqueueTask(job.id, task.index, user);
          else if (task.state === 'submitting') {
            // It may have reached the provider and been billed; sending it again could bill twice.
            store.updateTask(job.id, task.index, {
              state: 'needs_review',
              costMicros: estimateImage(job.request, options.prices),
              costEstimated: true,
              error: { code: 'NEEDS_REVIEW', message: 'interrupted while submitting', charge: 'unknown' },
            });
            logger.warn({ jobId: job.id, task: task.index }, 'task interrupted mid-submit: needs review');
          } else if (task.state === 'submitted' && task.submitted) {
            const submitted = task.submitted;
            rt.pending.set(user, (rt.pending.get(user) ?? 0) + 1);
            scheduler.runNow(`${job.id}:${task.index}`, () =>
              waitTask(rt, job.id, task.index, submitted).finally(() =>
                rt.pending.set(user, (rt.pending.get(user) ?? 1) - 1),
              ),
            );
          }
        }
        await deliverJob(rt, job.id);
      }
    },

    async stop() {
      rt.stopping = true;
      if (positionTimer) clearTimeout(positionTimer);
      for (const w of rt.waits.values()) w.controller.abort(new FluxError('SHUTTING_DOWN', 'stopping'));
      await scheduler.stop();
    },
  };
  return service;
}
