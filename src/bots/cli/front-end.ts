/**
 * The command line as a front end: it serves no route and no listener (cli.ts runs one command), and it
 * is the one that waits for its job to end, to pick the exit code. The app tells it how each of its
 * jobs ended; a job that ended before anyone asked is read from the store.
 */
import type { JobView } from '../../core/job-types.ts';
import type { FrontEnd, MakeFrontEnd } from '../../front-end.ts';
import { type CliOutput, createCliFactory } from './context.ts';

const FINAL = new Set<JobView['state']>([
  'delivered',
  'failed',
  'cancelled',
  'needs_review',
  'undeliverable',
]);

export interface CliFrontEnd {
  make: MakeFrontEnd;
  /** Resolves with the job once it is delivered, failed, cancelled, needs review or is undeliverable. */
  settled(jobId: string): Promise<JobView>;
}

export function createCliFrontEnd(output: CliOutput): CliFrontEnd {
  const waiters = new Map<string, Array<(job: JobView) => void>>();
  let read: ((id: string) => Promise<JobView | undefined>) | undefined;
  return {
    make(deps): FrontEnd {
      read = deps.job;
      return {
        platform: 'cli',
        factory: createCliFactory(output),
        serve: () => ({ start: async () => {}, stop: async () => {} }),
        ended(job) {
          for (const resolve of waiters.get(job.id) ?? []) resolve(job);
          waiters.delete(job.id);
        },
      };
    },
    async settled(jobId) {
      if (!read) throw new Error('settled() before the app made the CLI front end');
      // Listening before the read: a job ending while it is read is not missed.
      let listener: (job: JobView) => void = () => {};
      const ended = new Promise<JobView>((resolve) => {
        listener = resolve;
        waiters.set(jobId, [...(waiters.get(jobId) ?? []), resolve]);
      });
      const job = await read(jobId);
      if (!job || !FINAL.has(job.state)) return ended;
      const rest = waiters.get(jobId)?.filter((w) => w !== listener) ?? [];
      if (rest.length) waiters.set(jobId, rest);
      else waiters.delete(jobId);
      return job;
    },
  };
}
