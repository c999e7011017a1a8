/**
 * The line of tasks as the jobs service uses it, over either scheduler: bottleneck in this process
 * (embedded mode) or BullMQ shared by every process (distributed mode, ../queue/). The differences
 * that matter to the service are named here once, so nothing above asks which mode it runs in:
 * - a task is run by the closure given here (in-process), or by its key in whichever process takes
 *   it (`start`'s `runByKey`);
 * - queueing and removing are Redis round trips in distributed mode: `settled` waits for the queueing,
 *   `removeAll` is all-or-none across processes;
 * - `shared`: other processes run tasks of this store too, so a process that starts must not take
 *   another's submitted tasks for orphans (BullMQ hands them over when their process dies).
 */
import type { DistributedScheduler, TaskRun } from '../queue/types.ts';
import type { Scheduler, SchedulerView, SlotRun } from '../scheduler.ts';

export interface TaskQueue extends SchedulerView {
  readonly shared: boolean;
  /** Queues a task at the back of its user's line. Idempotent per key in distributed mode. */
  enqueue(user: string, key: string, run: SlotRun): void;
  /** Runs a task the provider already counts, at once (in-process resumes only). */
  runNow(key: string, run: SlotRun): void;
  /** Removes every one of these queued tasks, or none when one of them has started. */
  removeAll(user: string, keys: readonly string[]): Promise<boolean>;
  /**
   * Resolves once the tasks queued so far are in line and their places readable; undefined when they
   * already are (in-process queueing is synchronous, and the place told must be the place it has).
   */
  settled(): Promise<void> | undefined;
  /**
   * Shared line: whether one of these tasks still waits in it, asked of Redis (the view can be a moment
   * behind). In-process the view is the line itself: read at once.
   */
  waitingNow(keys: readonly string[]): boolean | Promise<boolean>;
  /**
   * Shared line: this process tells the job its place (it queued it), and says so to the others.
   * In-process there are no others: nothing to say.
   */
  tell(jobId: string): void;
  /** Shared line: the job this process told has left the line (nobody tells it any more). */
  told(jobId: string): void;
  /**
   * Shared line: of these jobs in line that no one here tells, those whose teller stopped or died and
   * that fall to this process (queue/tellers.ts); they are told from here on. In-process: none.
   */
  adopt(jobIds: readonly string[]): Promise<string[]>;
  /**
   * Starts running tasks taken from a shared queue, by key (in-process tasks run by their closure);
   * `failed` hears of a task the shared queue gave up on.
   */
  start(runByKey: (key: string) => TaskRun | undefined, failed: (key: string, err: Error) => void): void;
}

export function inProcessQueue(scheduler: Scheduler): TaskQueue {
  return Object.assign(Object.create(scheduler) as Scheduler, {
    shared: false,
    async removeAll(_user: string, keys: readonly string[]) {
      // Checked and removed with no await between: a slot cannot take one of them in the middle.
      if (!keys.every((k) => scheduler.isQueued(k))) return false;
      for (const k of keys) scheduler.remove(k);
      return true;
    },
    settled: () => undefined,
    waitingNow: (keys: readonly string[]) => keys.some((k) => scheduler.isQueued(k)),
    tell: () => undefined,
    told: () => undefined,
    adopt: async () => [],
    start: () => undefined,
  });
}

export function sharedQueue(scheduler: DistributedScheduler, onError: (err: unknown) => void): TaskQueue {
  const queueing = new Set<Promise<void>>();
  return Object.assign(Object.create(scheduler) as DistributedScheduler, {
    shared: true,
    enqueue(user: string, key: string) {
      // The task is stored as queued: if Redis refuses it now, the next process to start queues it again.
      const p = scheduler
        .enqueue(user, key)
        .catch(onError)
        .finally(() => queueing.delete(p));
      queueing.add(p);
    },
    runNow(key: string) {
      scheduler.runNow(key);
    },
    async removeAll(user: string, keys: readonly string[]) {
      const removed: string[] = [];
      for (const k of keys) {
        if (await scheduler.remove(k)) removed.push(k);
        else {
          // One has started in some process: the job goes on whole, so what was taken out goes back.
          for (const back of removed) await scheduler.enqueue(user, back);
          return false;
        }
      }
      return true;
    },
    async settled() {
      await Promise.all([...queueing]);
      await scheduler.refresh();
    },
    waitingNow: (keys: readonly string[]) => scheduler.waitingNow(keys),
    start: (runByKey: (key: string) => TaskRun | undefined, failed: (key: string, err: Error) => void) =>
      scheduler.start(runByKey, failed),
  });
}
