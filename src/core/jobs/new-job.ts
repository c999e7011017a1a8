/**
 * A new job on record: written before anything is spent, its workspace's budgets checked and its
 * estimate reserved in the same write transaction.
 */
import { randomUUID } from 'node:crypto';
import { budgetStates, checkBudgets } from '../budgets.ts';
import type { CreateJobInput } from '../job-types.ts';
import type { Logger } from '../logger.ts';
import { estimateImage, type PriceTable } from '../pricing.ts';
import { seedAt } from '../size-and-seed.ts';
import type { JobRow, Store, TaskRow } from '../store/types.ts';

export interface NewJobDeps {
  store: Store;
  prices: PriceTable;
  now(): number;
  logger: Logger;
}

/**
 * Stores the job and one task per image, queued or (when asked) awaiting confirmation. Throws
 * BudgetError BUDGET_EXCEEDED, and STORE_UNAVAILABLE when the write would not be durable.
 */
export function recordNewJob(deps: NewJobDeps, input: CreateJobInput): { job: JobRow; tasks: TaskRow[] } {
  const { store } = deps;
  const { request, origin } = input;
  const waiting = input.awaitConfirmation === true;
  const job: JobRow = {
    id: input.id ?? randomUUID(),
    state: waiting ? 'awaiting_confirmation' : 'queued',
    request,
    origin,
    delivery: input.delivery ?? {},
    estimateMicros: estimateImage(request, deps.prices) * request.count,
    createdAt: deps.now(),
    ...(input.parentId ? { parentId: input.parentId } : {}),
  };
  const tasks = Array.from({ length: request.count }, (_, i) => ({
    jobId: job.id,
    index: i,
    seed: seedAt(request, i),
    state: 'queued' as const,
  }));
  const settings = origin.workspaceId ? store.getSettings(origin.platform, origin.workspaceId) : undefined;
  // Check and reserve together: no other job (or process) can slip in between under the same cap.
  store.transaction(() => {
    if (settings?.budgets.length)
      checkBudgets(budgetStates(settings, origin, store, deps.now()), job.estimateMicros);
    store.insertJob(job, tasks);
  });
  deps.logger.info(
    {
      jobId: job.id,
      platform: origin.platform,
      user: origin.userId,
      model: request.model,
      count: request.count,
      estimate: job.estimateMicros,
      state: job.state,
    },
    'job created',
  );
  return { job, tasks };
}
