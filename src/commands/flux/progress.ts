/**
 * How far a job's images are, from the provider's own reports (BFL's `progress`, 0..1, per task): the
 * share of the whole job done, an image that is ready counting as whole and one not heard of as none.
 * Undefined until the provider reports anything: a card then shows only the seconds.
 */
import type { JobView } from '../../core/job-types.ts';

export interface Progress {
  report(jobId: string, index: number, share: number | undefined): void;
  of(job: JobView): number | undefined;
  forget(jobId: string): void;
}

export function createProgress(): Progress {
  const shares = new Map<string, Map<number, number>>();
  return {
    report(jobId, index, share) {
      if (share === undefined || !Number.isFinite(share)) return;
      const tasks = shares.get(jobId) ?? new Map<number, number>();
      tasks.set(index, Math.min(1, Math.max(0, share)));
      shares.set(jobId, tasks);
    },
    of(job) {
      const tasks = shares.get(job.id);
      if (!tasks) return undefined;
      const count = job.request.count;
      let done = 0;
      for (let i = 0; i < count; i++) {
        const state = job.tasks.find((t) => t.index === i)?.state;
        done += state === 'ready' || state === 'failed' ? 1 : (tasks.get(i) ?? 0);
      }
      return done / count;
    },
    forget: (jobId) => void shares.delete(jobId),
  };
}
