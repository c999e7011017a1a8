/**
 * One change of a job at a time in this process. With a store that answers asynchronously, a read and
 * the write that depends on it are no longer one step: two confirms of one job would both read
 * "awaiting confirmation" and queue it twice, two tasks finishing together would both find the job
 * complete and deliver it twice, two delivery patches would each lose the other's. Work on one job
 * runs in arrival order; work on different jobs is not held. This lock is this process's only: where
 * several processes share a store, the store itself must arbitrate (a conditional write of the job's
 * state, which the port has for tasks only so far).
 */
export interface JobLocks {
  /** Runs `fn` once every earlier `run` for this job has settled; resolves or rejects with it. */
  run<T>(jobId: string, fn: () => Promise<T>): Promise<T>;
}

export function createJobLocks(): JobLocks {
  /** The last piece of work queued per job, settled either way; gone once nothing is queued. */
  const tails = new Map<string, Promise<void>>();
  return {
    run(jobId, fn) {
      const result = (tails.get(jobId) ?? Promise.resolve()).then(fn);
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
