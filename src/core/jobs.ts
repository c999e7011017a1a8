/**
 * The job lifecycle. A job is written to the store before anything is spent; each image is a task
 * that moves queued → submitting → submitted (provider id and polling URL stored) → ready | failed.
 * After a crash, start() resumes (jobs/resume.ts); where processes share the store, the live ones also
 * sweep up what a dead one left (jobs/sweep.ts). The parts that do the work, and the state each owns,
 * are wired in jobs/parts.ts; this is what front ends call.
 */
import { FluxError } from './errors.ts';
import type { JobsService, JobView } from './job-types.ts';
import { taskKeys, userKey } from './jobs/keys.ts';
import { recordNewJob } from './jobs/new-job.ts';
import { createJobParts, type JobsOptions } from './jobs/parts.ts';
import { linePosition } from './jobs/positions.ts';
import { resumeJobs } from './jobs/resume.ts';
import { jobView } from './jobs/view.ts';
import type { JobRow, TaskRow } from './store/types.ts';

export type { JobsOptions } from './jobs/parts.ts';

/** How long stop() lets deliveries under way finish. */
const DELIVERY_GRACE_MS = 10_000;

export function createJobs(options: JobsOptions): JobsService {
  const { store, logger, prices } = options;
  const parts = createJobParts(options);
  const { now, stopper, scheduler, sinks, pending, waits, locks, viewOf, emit, credits, positions } = parts;
  const { delivery, tasks, confirmations } = parts;
  const stopSignal = stopper.signal;
  let started = false;
  let closed = false;
  let stopSweep: (() => void) | undefined;

  async function find(id: string): Promise<JobRow> {
    const job = await store.getJob(id);
    if (!job) throw new FluxError('JOB_NOT_FOUND', `job ${id} unknown`);
    return job;
  }

  /**
   * Queues every task of a job and tells its requester where it stands. In-process, synchronous from
   * the first task queued to the event: the place told is the place it has.
   */
  async function enqueue(job: JobRow, rows: readonly TaskRow[]): Promise<JobView> {
    for (let i = 0; i < job.request.count; i++) tasks.queue(job, i);
    const settling = scheduler.settled();
    if (settling) await settling;
    const view = jobView(job, rows);
    const position = linePosition(scheduler, job.id, job.request.count);
    positions.told(job.id, position);
    emit({ type: 'queued', job: view, position });
    const held = credits.reason;
    if (held) emit({ type: 'waiting', job: view, reason: held });
    return view;
  }

  return {
    async create(input) {
      // While stopping (a deploy's drain) a request is still stored, queued for the next start: the
      // platforms do not send it again. Only a stopped service refuses.
      if (closed) throw new FluxError('SHUTTING_DOWN', 'not taking new jobs: stopped');
      // Held from the check to the queueing, across the store's write: a second request racing this
      // one sees these images counted.
      const release = await pending.reserve(input.origin, input.request.count);
      let recorded: Awaited<ReturnType<typeof recordNewJob>>;
      try {
        recorded = await recordNewJob({ store, prices, now, logger }, input);
      } finally {
        release();
      }
      const { job, tasks: rows } = recorded;
      if (job.state === 'queued') return enqueue(job, rows);
      confirmations.expireLater(job);
      return jobView(job, rows);
    },

    async get(id) {
      const read = await store.getJobWithTasks(id);
      return read && jobView(read.job, read.tasks);
    },

    holdReason: () => credits.reason,

    placeHolds: (job) => !scheduler.shared || scheduler.waitingNow(taskKeys(job)),

    async position(of) {
      const job = typeof of === 'string' ? await store.getJob(of) : of;
      if (!job || (job.state !== 'queued' && job.state !== 'running')) return undefined;
      return job.state === 'running' ? 0 : linePosition(scheduler, job.id, job.request.count);
    },

    confirm: (id) =>
      locks.run(id, async () => {
        const job = await find(id);
        if (job.state !== 'awaiting_confirmation') {
          throw new FluxError(
            job.state === 'cancelled' ? 'CONFIRMATION_EXPIRED' : 'JOB_NOT_CANCELLABLE',
            `job ${id} is ${job.state}`,
          );
        }
        const rows = await store.getTasks(id);
        const release = await pending.reserve(job.origin, job.request.count);
        try {
          await store.updateJob(id, { state: 'queued' });
        } finally {
          release();
        }
        return enqueue({ ...job, state: 'queued' }, rows);
      }),

    cancel: (id) =>
      locks.run(id, async () => {
        const job = await find(id);
        if (job.state === 'awaiting_confirmation') return confirmations.close(job);
        const keys = taskKeys(job);
        // All or nothing: a task already handed to a slot may be submitting (and billed) right now.
        const user = userKey(job.origin.platform, job.origin.userId);
        if (job.state !== 'queued' || !(await scheduler.removeAll(user, keys)))
          throw new FluxError(
            'JOB_NOT_CANCELLABLE',
            `job ${id} is ${job.state === 'queued' ? 'starting' : job.state}`,
          );
        pending.add(job.origin, -keys.length);
        const patch = { state: 'cancelled' as const, finishedAt: now(), costMicros: 0 };
        await store.updateJob(id, patch);
        positions.forget(id);
        const view = await viewOf({ ...job, ...patch });
        emit({ type: 'cancelled', job: view });
        logger.info({ jobId: id, platform: job.origin.platform, user: job.origin.userId }, 'job cancelled');
        return view;
      }),

    // No job lock: the store merges the patch in one atomic step, so patches racing from any process all
    // survive, and nothing else writes the delivery record (state changes write their own columns).
    async updateDelivery(id, patch) {
      if (await store.patchDelivery(id, patch)) positions.forget(id);
    },

    attach(platform, sink) {
      sinks.attach(platform, sink);
      if (!started || stopSignal.aborted) return;
      // Jobs that finished while this platform had no sink were kept ready for it.
      void store.unfinishedJobs().then(
        (jobs) => {
          for (const job of jobs)
            if (job.state === 'ready' && job.origin.platform === platform) delivery.settle(job.id);
        },
        (err: unknown) => logger.error({ err, platform }, 'ready jobs not found for a new sink'),
      );
    },

    wake: parts.wake,

    async start() {
      if (started) return;
      started = true;
      await resumeJobs({
        store,
        prices,
        tasks,
        deliver: delivery.deliver,
        expire: confirmations.expireLater,
        emit,
        logger,
        stopSignal,
        shared: scheduler.shared,
      });
      scheduler.start(tasks.runByKey, (key, err) => {
        tasks
          .gaveUp(key, err)
          .catch((e: unknown) => logger.error({ err: e, key }, 'given-up task not recorded'));
      });
      if (scheduler.shared) stopSweep = parts.startSweep();
    },

    load() {
      return { queued: scheduler.queued, active: scheduler.running };
    },

    async stop(graceMs = DELIVERY_GRACE_MS) {
      stopper.abort(new FluxError('SHUTTING_DOWN', 'stopping'));
      stopSweep?.();
      positions.stop();
      waits.stopAll();
      await scheduler.stop();
      // An upload under way is let finish (within reason), so it is recorded as delivered and a restart
      // does not post it twice.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        delivery.underWay(),
        new Promise((resolve) => {
          grace = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(grace);
      closed = true;
    },
  };
}
