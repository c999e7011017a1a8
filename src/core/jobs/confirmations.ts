/**
 * Jobs held for their requester's confirmation (an estimate above the workspace's threshold). The
 * estimate is reserved while the job waits; if nobody confirms in time the job is cancelled, which
 * releases it — also after a restart, since the deadline is counted from the job's creation.
 */
import type { JobEvent, JobView } from '../job-types.ts';
import type { JobRow, Store } from '../store/types.ts';
import { jobView } from './view.ts';

export interface Confirmations {
  /** Cancels the job at its deadline unless it was confirmed (or cancelled) by then. */
  expireLater(job: JobRow): void;
  /** Cancels an unconfirmed job now. */
  close(job: JobRow): JobView;
}

export interface ConfirmationDeps {
  store: Store;
  emit(event: JobEvent): void;
  now(): number;
  /** Aborted by stop(): a deadline passing while stopping is left for the next start. */
  stopSignal: AbortSignal;
}

export function createConfirmations(deps: ConfirmationDeps, ttlMs: number): Confirmations {
  const { store } = deps;
  const close = (job: JobRow): JobView => {
    const patch = { state: 'cancelled' as const, finishedAt: deps.now(), costMicros: 0 };
    store.updateJob(job.id, patch);
    const view = jobView({ ...job, ...patch }, store.getTasks(job.id));
    deps.emit({ type: 'cancelled', job: view });
    return view;
  };
  return {
    close,
    expireLater(job) {
      // The timer keeps the id only: the request (and any reference bytes) is read again if it fires.
      const { id, createdAt } = job;
      const timer = setTimeout(
        () => {
          const current = deps.stopSignal.aborted ? undefined : store.getJob(id);
          if (current?.state === 'awaiting_confirmation') close(current);
        },
        Math.max(0, createdAt + ttlMs - deps.now()),
      );
      timer.unref();
    },
  };
}
