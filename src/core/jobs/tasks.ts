/**
 * One image from submit to bytes. `submitting` is stored before the POST so a crash mid-submit is
 * visible; the provider's answer is stored before waiting so a restart can wait for the same task
 * instead of paying for a new one. The scheduler slot is held from submit until the provider says the
 * task is done (what it counts as active); the download and the store's write happen after the slot is
 * given back, while the task stays `submitted` (with its polling URL) until the bytes are stored.
 */
import { FluxError, toFluxError } from '../errors.ts';
import type { JobEvent, Platform } from '../job-types.ts';
import type { Logger } from '../logger.ts';
import { estimateImage, type PriceTable } from '../pricing.ts';
import type { LatencyModel } from '../providers/poll-policy.ts';
import type { Provider, SubmittedTask } from '../providers/types.ts';
import type { TaskRun } from '../queue/types.ts';
import type { AsyncStore, TaskPatch } from '../store/port.ts';
import type { JobRow } from '../store/types.ts';
import type { CreditGate } from './credits.ts';
import { jobLog, jobOfTaskKey, taskKey, userKey } from './keys.ts';
import type { PendingCounts } from './pending.ts';
import { flagForReview } from './review.ts';
import { recordSubmitted, writeUntilLanded } from './store-retry.ts';
import type { TaskQueue } from './task-queue.ts';
import { createTaskSteps } from './task-steps.ts';
import { submitPatiently } from './task-submit.ts';
import type { Waits } from './waits.ts';

export interface TaskRunnerDeps {
  store: Pick<AsyncStore, 'health' | 'getJobWithTasks' | 'startTask' | 'updateTask' | 'write'>;
  provider: Pick<Provider, 'submit' | 'waitForResult'>;
  scheduler: Pick<TaskQueue, 'enqueue' | 'runNow' | 'pause'>;
  /** Holds submits while the provider account is out of credits. */
  credits: Pick<CreditGate, 'refused' | 'succeeded'>;
  latency: LatencyModel;
  prices: PriceTable;
  pending: Pick<PendingCounts, 'add'>;
  waits: Pick<Waits, 'open'>;
  /** Ends the job once its last task is terminal (jobs/deliver.ts). */
  settle(jobId: string): void;
  /**
   * A task of the job was handed a slot: the job is past its place in line from this moment, not from
   * when the store has recorded it started (places sent meanwhile would put its card back in line).
   */
  leftLine(jobId: string): void;
  emit(event: JobEvent): void;
  userHash(platform: Platform, userId: string): string;
  now(): number;
  logger: Logger;
  /** Aborted by stop(): ends backoff sleeps at once so stop never waits out a Retry-After. */
  stopSignal: AbortSignal;
}

export interface TaskRunner {
  /**
   * Puts a task in its user's line; it counts against the user's cap until it is terminal. The line
   * holds ids only (the job is read again when its turn comes), so a long queue never keeps requests —
   * or their reference bytes — in memory.
   */
  queue(job: JobRow, index: number): void;
  /** Waits again for a task the provider already has (after a restart): it takes a slot at once. */
  resume(job: JobRow, index: number, submitted: SubmittedTask): void;
  /**
   * A task taken from the shared queue by key, in whichever process: carried on from where the store
   * says it is, never submitted twice. 'unfinished' when this process stopped before it ended.
   */
  runByKey(key: string): TaskRun;
  /**
   * The shared queue gave up on a task (its run threw, or it took its process down too often): it
   * ends here. One that may have reached the provider is left for a person, one that cannot has failed.
   */
  gaveUp(key: string, err: Error): Promise<void>;
}

export function createTaskRunner(deps: TaskRunnerDeps): TaskRunner {
  const { store, logger, stopSignal } = deps;
  const steps = createTaskSteps(deps);

  async function runTask(jobId: string, index: number, release: () => void): Promise<void> {
    const read = await store.getJobWithTasks(jobId);
    if (!read || read.job.state === 'cancelled' || stopSignal.aborted) return;
    const { job } = read;
    // The store says where the task is: taken again after its process died (or queued twice), it carries
    // on from there. Submitted: the provider has it, so wait for it. Cut off mid-submit: it may have
    // reached the provider and been billed, so a person decides. Ended: its job may still need settling.
    const task = read.tasks.find((t) => t.index === index);
    if (!task) return;
    if (task.state === 'submitted' && task.submitted) return waitTask(job, index, task.submitted, release);
    if (task.state !== 'queued') {
      if (task.state === 'submitting' || task.state === 'submitted')
        await flagForReview({ store, prices: deps.prices, logger }, job, task);
      deps.settle(jobId);
      return;
    }
    const log = jobLog(logger, job, { task: index });
    if (!store.health.accepting()) {
      // The database file is gone: what this task would record could not survive a restart, so nothing
      // is spent on it.
      await steps.failTask(
        job,
        index,
        new FluxError('STORE_UNAVAILABLE', 'store unavailable; not submitted'),
      );
      deps.settle(jobId);
      return;
    }
    const outcome = await submitPatiently(deps, steps, job, index, log);
    if (outcome === 'stopped') return;
    if (outcome === 'failed') {
      deps.settle(jobId);
      return;
    }
    const { submitted, reopened } = outcome;
    if (reopened) {
      // The card said it was waiting for credits: it is generating now.
      await steps.tell(jobId, (view) => ({ type: 'progress', job: view, status: 'submitted' }));
    }
    // Paid from here on: if the disk refuses this write, the ids stay in memory, polling goes on and the
    // write is retried until it lands.
    const record = recordSubmitted(store, stopSignal, jobId, index, submitted);
    record.landed.catch((err: unknown) =>
      log.error({ err, providerTask: submitted.taskId }, 'could not record the submitted task'),
    );
    await record.tried;
    log.debug({ providerTask: submitted.taskId }, 'submitted');
    if (stopSignal.aborted) return;
    await waitTask(job, index, submitted, release);
  }

  async function waitTask(
    job: JobRow,
    index: number,
    submitted: SubmittedTask,
    release: () => void,
  ): Promise<void> {
    if (stopSignal.aborted) return;
    const wait = deps.waits.open(submitted.taskId);
    let lastProgress = 0;
    /** A progress read finishing after the wait ended must not undo what came after (ready, failed). */
    let waiting = true;
    let ready: TaskPatch | undefined;
    const model = job.request.model;
    try {
      const result = await deps.provider.waitForResult(submitted, {
        signal: wait.signal,
        expectedMs: deps.latency.expected(model),
        estimate: deps.latency.estimate(model),
        onWake: (wake) => wait.listen(wake),
        onReady: (info) => {
          // Learnt now, so the task that takes this slot is paced with it.
          if (info.generationMs !== undefined)
            deps.latency.observe(model, info.generationMs, info.generationAfterMs);
          release();
        },
        onProgress: (update) => {
          // The card shows seconds; more than one update a second is noise.
          const now = deps.now();
          if (now - lastProgress < 1_000) return;
          lastProgress = now;
          void steps.tell(
            job.id,
            (view) => ({ type: 'progress', job: view, ...update, index }),
            () => waiting,
          );
        },
      });
      const cost = result.costMicros ?? submitted.costMicros;
      ready = {
        state: 'ready',
        image: { data: result.data, contentType: result.contentType },
        costMicros: cost ?? estimateImage(job.request, deps.prices),
        costEstimated: cost === undefined,
      };
    } catch (err) {
      if (wait.signal.aborted) return; // Stopping: the task stays `submitted` and resumes next start.
      const e = toFluxError(err);
      jobLog(logger, job, { task: index }).warn({ code: e.code, charge: e.charge }, 'task failed');
      await steps.failTask(job, index, e);
    } finally {
      waiting = false;
      wait.close();
    }
    // The bytes go to the store once and this process drops them; delivery reads them back. A full disk
    // holds them here until the write lands; a stop first leaves the task to resume at the next start.
    const patch = ready;
    if (
      patch &&
      !(await writeUntilLanded(store.health, stopSignal, () => store.updateTask(job.id, index, patch)))
    )
      return;
    deps.settle(job.id);
  }

  return {
    queue(job, index) {
      const { id: jobId, origin } = job;
      deps.pending.add(origin, 1);
      deps.scheduler.enqueue(userKey(origin.platform, origin.userId), taskKey(jobId, index), (release) => {
        deps.leftLine(jobId);
        return runTask(jobId, index, release).finally(() => deps.pending.add(origin, -1));
      });
    },
    resume(job, index, submitted) {
      deps.pending.add(job.origin, 1);
      deps.scheduler.runNow(taskKey(job.id, index), (release) =>
        waitTask(job, index, submitted, release).finally(() => deps.pending.add(job.origin, -1)),
      );
    },
    runByKey(key) {
      const [jobId, index] = parseKey(key);
      return async () => {
        deps.leftLine(jobId);
        // BullMQ's slot is the job's own activity: it is given back when the run ends, download included.
        await runTask(jobId, index, () => undefined);
        return stopSignal.aborted ? 'unfinished' : undefined;
      };
    },
    async gaveUp(key, err) {
      const [jobId, index] = parseKey(key);
      const read = await store.getJobWithTasks(jobId);
      const task = read?.tasks.find((t) => t.index === index);
      if (!read || !task) return;
      const { job } = read;
      jobLog(logger, job, { task: index }).error({ err }, 'task given up by the queue');
      if (task.state === 'submitting' || task.state === 'submitted')
        await flagForReview({ store, prices: deps.prices, logger }, job, task);
      else if (task.state === 'queued')
        await steps.failTask(
          job,
          index,
          new FluxError('TASK_FAILED', 'could not be run', { charge: 'none' }),
        );
      deps.settle(jobId);
    },
  };
}

function parseKey(key: string): [jobId: string, index: number] {
  const jobId = jobOfTaskKey(key);
  return [jobId, Number(key.slice(jobId.length + 1))];
}
