/**
 * The embedded mode's adapter of the asynchronous port: the synchronous SQLite store behind promises.
 * Every call still runs to completion before it returns, so each atomic method is one immediate write
 * transaction: other processes sharing the file wait for it rather than interleave.
 */
import { budgetStates, checkBudgets } from '../budgets.ts';
import type { AsyncStore } from './port.ts';
import { createSqliteStore, type SqliteStoreOptions } from './sqlite.ts';
import type { Store } from './types.ts';

export function createSqliteAsyncStore(path: string, options: SqliteStoreOptions = {}): AsyncStore {
  return toAsyncStore(createSqliteStore(path, options));
}

/** The port over an open synchronous store; closing the port closes it. */
export function toAsyncStore(store: Store): AsyncStore {
  return {
    health: store.health,
    getSettings: async (platform, workspaceId) => store.getSettings(platform, workspaceId),
    putSettings: async (platform, workspaceId, settings) =>
      store.putSettings(platform, workspaceId, settings),
    spent: async (filter, since) => store.spent(filter, since),
    // The SQLite store orders by day only; the port promises one order (code-unit order, as Postgres's "C").
    spendBreakdown: async (filter, since) =>
      store
        .spendBreakdown(filter, since)
        .sort((a, b) => cmp(a.day, b.day) || cmp(a.model, b.model) || cmp(a.userId, b.userId)),
    insertJob: async (job, tasks) => store.insertJob(job, tasks),
    async insertJobWithinBudgets(job, tasks, now) {
      const { platform, workspaceId } = job.origin;
      store.transaction(() => {
        // Read inside the transaction: a budget an admin just lowered applies to this job already.
        const settings = workspaceId ? store.getSettings(platform, workspaceId) : undefined;
        if (settings?.budgets.length)
          checkBudgets(budgetStates(settings, job.origin, store, now), job.estimateMicros);
        store.insertJob(job, tasks);
      });
    },
    getJob: async (id) => store.getJob(id),
    getTasks: async (jobId, withImages) => store.getTasks(jobId, withImages),
    async getJobWithTasks(id) {
      const job = store.getJob(id);
      return job && { job, tasks: store.getTasks(id) };
    },
    updateJob: async (id, patch) => store.updateJob(id, patch),
    updateTask: async (jobId, index, patch) => store.updateTask(jobId, index, patch),
    patchDelivery: async (id, patch) => store.patchDelivery(id, patch),
    async startTask(jobId, index, startedAt) {
      // One immediate transaction: a start racing it (this process or another on the file) reads the
      // job as this one left it.
      return store.transaction(() => {
        const job = store.getJob(jobId);
        if (!job) return undefined;
        const tasks = store.getTasks(jobId);
        const started = job.state === 'queued' && tasks.some((t) => t.index === index);
        if (started) store.updateJob(jobId, { state: 'running', startedAt });
        store.updateTask(jobId, index, { state: 'submitting' });
        return {
          started,
          job: started ? { ...job, state: 'running' as const, startedAt } : job,
          tasks: tasks.map((t) => (t.index === index ? { ...t, state: 'submitting' as const } : t)),
        };
      });
    },
    async write(writes) {
      store.transaction(() => {
        for (const w of writes) {
          if (w.kind === 'job') store.updateJob(w.id, w.patch);
          else if (w.kind === 'dropImages') store.dropImages(w.jobId);
          else if (
            !w.ifState ||
            store.getTasks(w.jobId).find((t) => t.index === w.index)?.state === w.ifState
          )
            store.updateTask(w.jobId, w.index, w.patch);
        }
      });
    },
    dropImages: async (jobId) => store.dropImages(jobId),
    unfinishedJobs: async () => store.unfinishedJobs(),
    findTask: async (providerTaskId) => store.findTask(providerTaskId),
    pendingImages: async (platform, userId) => store.pendingImages(platform, userId),
    recentJobs: async (query, limit) => store.recentJobs(query, limit),
    claimOnce: async (key, expiresAt) => store.claimOnce(key, expiresAt),
    extendClaims: async (keys, expiresAt) => store.extendClaims(keys, expiresAt),
    foldHistory: async (keepDays, now) => store.foldHistory(keepDays, now),
    close: async () => store.close(),
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
