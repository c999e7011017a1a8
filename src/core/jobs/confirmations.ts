/**
 * Jobs held for their requester's confirmation (an estimate above the workspace's threshold). The
 * estimate is reserved while the job waits; if nobody confirms in time the job is cancelled, which
 * releases it — also after a restart, since the deadline is counted from the job's creation.
 */
import type { JobView } from '../job-types.ts';
import type { JobRow } from '../store/types.ts';
import { type JobRuntime, toView } from './runtime.ts';

export interface Confirmations {
  /** Cancels the job at its deadline unless it was confirmed (or cancelled) by then. */
  expireLater(job: JobRow): void;
  /** Cancels an unconfirmed job now. */
  close(job: JobRow): JobView;
}

export function createConfirmations(rt: JobRuntime, ttlMs: number): Confirmations {
  const close = (job: JobRow): JobView => {
    const patch = { state: 'cancelled' as const, finishedAt: rt.now(), costMicros: 0 };
    rt.store.updateJob(job.id, patch);
    const view = toView(rt, { ...job, ...patch });
    rt.emit({ type: 'cancelled', job: view });
    return view;
  };
  return {
    close,
    expireLater(job) {
      // The timer keeps the id only: the request (and any reference bytes) is read again if it fires.
      const { id, createdAt } = job;
      const timer = setTimeout(
        () => {
          const current = rt.stopping ? undefined : rt.store.getJob(id);
          if (current?.state === 'awaiting_confirmation') close(current);
        },
        Math.max(0, createdAt + ttlMs - rt.now()),
      );
      timer.unref();
    },
  };
}
