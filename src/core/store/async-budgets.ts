/**
 * budgets.ts's `budgetStates` over an asynchronous ledger, without a second copy of its rules (which
 * budget applies to whom, which replaces which): a first pass records the spend questions it asks, the
 * answers are fetched, and a second pass is given them in the same order.
 */
import { type BudgetState, budgetStates, type SpendFilter, type WorkspaceSettings } from '../budgets.ts';
import type { JobOrigin } from '../job-types.ts';
import type { AsyncLedger } from './port.ts';

export async function budgetStatesAsync(
  settings: WorkspaceSettings,
  origin: JobOrigin,
  ledger: AsyncLedger,
  now: number,
): Promise<BudgetState[]> {
  const asked: Array<{ filter: SpendFilter; since: number }> = [];
  const record = {
    spent: (filter: SpendFilter, since: number) => {
      asked.push({ filter, since });
      return 0;
    },
  };
  budgetStates(settings, origin, record, now);
  // One after another: inside a transaction they share one connection anyway.
  const answers: number[] = [];
  for (const q of asked) answers.push(await ledger.spent(q.filter, q.since));
  let i = 0;
  return budgetStates(
    settings,
    origin,
    {
      spent: () => {
        const answer = answers[i++];
        if (answer === undefined) throw new Error('budgetStates asked a different question the second time');
        return answer;
      },
    },
    now,
  );
}
