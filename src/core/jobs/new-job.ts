/**
 * A new job on record: written before anything is spent, its workspace's budgets checked and its
 * estimate reserved in one atomic store write (Store.insertJobWithinBudgets).
 */
import { randomUUID } from 'node:crypto';
import type { CreateJobInput } from '../job-types.ts';
import type { Logger } from '../logger.ts';
import { estimateImage, type PriceTable } from '../pricing.ts';
import { seedAt } from '../size-and-seed.ts';
import type { AsyncStore } from '../store/port.ts';
import type { JobRow, TaskRow } from '../store/types.ts';

export interface NewJobDeps {
  store: Pick<AsyncStore, 'insertJobWithinBudgets'>;
  prices: PriceTable;
  now(): number;
  logger: Logger;
}

/**
 * Stores the job and one task per image, queued or (when asked) awaiting confirmation. Throws
 * BudgetError BUDGET_EXCEEDED, and STORE_UNAVAILABLE when the write would not be durable.
 */
export async function recordNewJob(
  deps: NewJobDeps,
  input: CreateJobInput,
): Promise<{ job: JobRow; tasks: TaskRow[] }> {
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
  // Check and reserve together: no other job (or process) can slip in between under the same cap.
  await deps.store.insertJobWithinBudgets(job, tasks, deps.now());
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
