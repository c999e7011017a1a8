/**
 * One change of a job at a time in this process. With a store that answers asynchronously, a read and
 * the write that depends on it are no longer one step: two confirms of one job would both read
 * "awaiting confirmation" and queue it twice, two tasks finishing together would both find the job
 * complete and deliver it twice. (Delivery patches need none: the store merges each in one step.) Work
 * on one job runs in arrival order; work on different jobs is not held. Where several processes share
 * the store, `across` (the store's advisory locks) holds each change against the other processes as
 * well; this process's own order is kept first, so it asks for one of those locks per job at a time.
 */
export interface JobLocks {
  /** Runs `fn` once every earlier `run` for this job has settled; resolves or rejects with it. */
  run<T>(jobId: string, fn: () => Promise<T>): Promise<T>;
}

export function createJobLocks(across?: JobLocks): JobLocks {
  /** The last piece of work queued per job, settled either way; gone once nothing is queued. */
  const tails = new Map<string, Promise<void>>();
  return {
    run(jobId, fn) {
      const step = across ? () => across.run(jobId, fn) : fn;
      const result = (tails.get(jobId) ?? Promise.resolve()).then(step);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(jobId, tail);
      void tail.then(() => {
        if (tails.get(jobId) === tail) tails.delete(jobId);
      });
      return result;
    },
  };
}
