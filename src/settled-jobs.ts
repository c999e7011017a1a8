/**
 * `App.settled`: who waits for which job to end (the CLI, tests, benches). The jobs service says when
 * a job ends through its sink; a job that ended before anyone asked is read from the store.
 */
import type { JobsService, JobView } from './core/job-types.ts';

const FINAL = new Set<JobView['state']>([
  'delivered',
  'failed',
  'cancelled',
  'needs_review',
  'undeliverable',
]);

export interface SettledJobs {
  /** The job ended (as the sink saw it): its waiters hear it. */
  ended(job: JobView): void;
  /** Resolves with the job once it is delivered, failed, cancelled, needs review or is undeliverable. */
  settled(jobId: string): Promise<JobView>;
}

export function createSettledJobs(jobs: Pick<JobsService, 'get'>): SettledJobs {
  const waiters = new Map<string, Array<(job: JobView) => void>>();
  return {
    ended(job) {
      for (const resolve of waiters.get(job.id) ?? []) resolve(job);
      waiters.delete(job.id);
    },
    async settled(jobId) {
      // Listening before the read: a job ending while it is read is not missed.
      let listener: (job: JobView) => void = () => {};
      const ended = new Promise<JobView>((resolve) => {
        listener = resolve;
        waiters.set(jobId, [...(waiters.get(jobId) ?? []), resolve]);
      });
      const job = await jobs.get(jobId);
      if (!job || !FINAL.has(job.state)) return ended;
      const rest = waiters.get(jobId)?.filter((w) => w !== listener) ?? [];
      if (rest.length) waiters.set(jobId, rest);
      else waiters.delete(jobId);
      return job;
    },
  };
}
