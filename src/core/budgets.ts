/**
 * Workspace settings and budgets. A budget caps spend (integer micro-dollars) per user, per channel or
 * per workspace, daily or monthly, in UTC windows that reset at a configurable hour. A job is refused —
 * before anything is spent — when its estimate would cross any budget that applies; while a job is
 * unfinished its estimate counts as reserved, and its settled cost replaces it when it ends, so a
 * crash can never leak a reservation: the ledger is the jobs themselves.
 */
import { FluxError } from './errors.ts';
import type { JobOrigin } from './job-types.ts';
import type { ModelId } from './models.ts';
import type { Micros } from './pricing.ts';

export type BudgetScope = 'user' | 'channel' | 'workspace';
export type BudgetPeriod = 'day' | 'month';

export interface Budget {
  scope: BudgetScope;
  period: BudgetPeriod;
  limitMicros: Micros;
  /** One user or channel; absent means every user (or every channel) of the workspace. */
  target?: string;
}

export interface WorkspaceSettings {
  budgets: Budget[];
  allowedModels?: ModelId[];
  defaultModel?: ModelId;
  defaultSize?: string;
  /** The highest safety tolerance allowed, per channel; `*` for every channel. */
  maxSafety: Record<string, number>;
  /** Jobs estimated above this ask the requester to confirm first. */
  confirmThresholdMicros: Micros;
  /** Budget windows start at this UTC hour. */
  resetHourUtc: number;
  /** The language for members whose platform language is none the bot speaks (a locale tag). */
  language?: string;
}

export const DEFAULT_SETTINGS: WorkspaceSettings = {
  budgets: [],
  maxSafety: {},
  confirmThresholdMicros: 200_000,
  resetHourUtc: 0,
};

/** Share of a budget after which results carry a warning. */
export const WARN_AT = 0.8;

export interface SpendFilter {
  platform: JobOrigin['platform'];
  workspaceId?: string;
  channelId?: string;
  userId?: string;
}

/** Where spend is summed: settled costs of finished jobs plus estimates of unfinished ones. */
export interface Ledger {
  spent(filter: SpendFilter, since: number): Micros;
}

export function windowStart(period: BudgetPeriod, now: number, resetHour: number): number {
  const d = new Date(now - resetHour * 3_600_000);
  const start =
    period === 'day'
      ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
      : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return start + resetHour * 3_600_000;
}

export function nextReset(period: BudgetPeriod, now: number, resetHour: number): number {
  const start = new Date(windowStart(period, now, resetHour));
  return period === 'day'
    ? start.getTime() + 86_400_000
    : Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1) + resetHour * 3_600_000;
}

export interface BudgetState {
  budget: Budget;
  spentMicros: Micros;
  leftMicros: Micros;
  resetsAt: number;
}

/** The budgets that apply to a job from `origin`, most specific first, with what is spent of each. */
export function budgetStates(
  settings: WorkspaceSettings,
  origin: JobOrigin,
  ledger: Ledger,
  now: number,
): BudgetState[] {
  const rank: Record<BudgetScope, number> = { user: 0, channel: 1, workspace: 2 };
  const out: BudgetState[] = [];
  for (const budget of [...settings.budgets].sort((a, b) => rank[a.scope] - rank[b.scope])) {
    const filter: SpendFilter = { platform: origin.platform };
    if (origin.workspaceId) filter.workspaceId = origin.workspaceId;
    if (budget.scope === 'user') {
      if (budget.target && budget.target !== origin.userId) continue;
      // A budget for one user replaces the everyone-budget of the same period for them.
      if (
        !budget.target &&
        settings.budgets.some(
          (b) => b.scope === 'user' && b.period === budget.period && b.target === origin.userId,
        )
      )
        continue;
      filter.userId = origin.userId;
    } else if (budget.scope === 'channel') {
      if (!origin.channelId || (budget.target && budget.target !== origin.channelId)) continue;
      if (
        !budget.target &&
        settings.budgets.some(
          (b) => b.scope === 'channel' && b.period === budget.period && b.target === origin.channelId,
        )
      )
        continue;
      filter.channelId = origin.channelId;
    }
    const spentMicros = ledger.spent(filter, windowStart(budget.period, now, settings.resetHourUtc));
    out.push({
      budget,
      spentMicros,
      leftMicros: Math.max(0, budget.limitMicros - spentMicros),
      resetsAt: nextReset(budget.period, now, settings.resetHourUtc),
    });
  }
  return out;
}

export class BudgetError extends FluxError {
  readonly state: BudgetState;
  readonly estimateMicros: Micros;
  constructor(state: BudgetState, estimateMicros: Micros) {
    super(
      'BUDGET_EXCEEDED',
      `${state.budget.scope} ${state.budget.period} budget: ${state.leftMicros} left, ${estimateMicros} needed`,
    );
    this.state = state;
    this.estimateMicros = estimateMicros;
  }
}

/** Throws BudgetError for the first budget the estimate would cross. */
export function checkBudgets(states: BudgetState[], estimateMicros: Micros): void {
  for (const state of states)
    if (state.spentMicros + estimateMicros > state.budget.limitMicros)
      throw new BudgetError(state, estimateMicros);
}

/** The safety ceiling for a channel. */
export function maxSafetyFor(settings: WorkspaceSettings, channelId: string | undefined): number | undefined {
  return (channelId ? settings.maxSafety[channelId] : undefined) ?? settings.maxSafety['*'];
}
