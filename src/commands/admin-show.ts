/**
 * What `/flux-admin show` (and every saved change) answers: the settings in the admin's language, the
 * month's spend here and the provider's balance.
 */
import { type BudgetScope, type WorkspaceSettings, windowStart } from '../core/budgets.ts';
import type { Micros } from '../core/pricing.ts';
import type { AsyncLedger } from '../core/store/port.ts';
import { adminTexts, LANGUAGE_NAMES } from './admin-texts.ts';
import type { CommandContext } from './context.ts';
import { formatMoney } from './i18n/format.ts';
import { isLocale, type Locale } from './i18n/locale.ts';

/** What `show` tells besides the settings: the month's spend here, and the provider's balance. */
export interface AdminAccount {
  /** Settled costs plus estimates of unfinished jobs (the budgets' ledger). */
  ledger: AsyncLedger;
  /** The provider account's balance; absent when the provider keeps none we can read (a gateway). */
  credits?: () => Promise<Micros | undefined>;
  now?: () => number;
}

/** A balance that does not come back in this long is shown as unavailable: `show` must not hang. */
const CREDITS_TIMEOUT_MS = 5_000;

/** `**This month**: $4.20 spent here · provider balance $12.35` (or `unavailable` when it cannot be read). */
export async function accountLine(
  account: AdminAccount,
  platform: CommandContext['platform'],
  workspaceId: string,
  settings: WorkspaceSettings,
  locale: Locale = 'en',
): Promise<string> {
  const t = adminTexts(locale);
  const now = account.now?.() ?? Date.now();
  const spent = await account.ledger.spent(
    { platform, workspaceId },
    windowStart('month', now, settings.resetHourUtc),
  );
  const line = t.thisMonth(formatMoney(spent, locale));
  if (!account.credits) return line;
  const balance = await readBalance(account.credits);
  return t.balance(line, balance === undefined ? t.unavailable : formatMoney(balance, locale));
}

/** The balance, or undefined when it cannot be read: a failed read is a fact to show, not an error. */
export async function readBalance(credits: () => Promise<Micros | undefined>): Promise<Micros | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, CREDITS_TIMEOUT_MS, undefined);
    timer.unref();
  });
  try {
    return await Promise.race([credits().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function describeSettings(s: WorkspaceSettings, locale: Locale = 'en'): string {
  const t = adminTexts(locale);
  const scopeName = (scope: BudgetScope) => (scope === 'channel' ? t.channel : t.user);
  const budgets = s.budgets.length
    ? s.budgets
        .map((b) => {
          const who =
            b.scope === 'workspace'
              ? t.server
              : b.target
                ? `${scopeName(b.scope)} ${mention(b.scope, b.target)}`
                : t.each(scopeName(b.scope));
          return t.budgetRow(who, formatMoney(b.limitMicros, locale), b.period === 'day' ? t.day : t.month);
        })
        .join('\n')
    : t.none;
  const safety =
    Object.entries(s.maxSafety)
      .map(([k, v]) => `${k === '*' ? t.everywhere : mention('channel', k)} ≤ ${v}`)
      .join(', ') || t.noLimit;
  const lines = [
    t.budgets,
    budgets,
    t.models(s.allowedModels?.join(', ') ?? t.all, s.defaultModel ?? 'pro', s.defaultSize ?? '1024x1024'),
    t.safety(safety),
    t.confirm(formatMoney(s.confirmThresholdMicros, locale), String(s.resetHourUtc).padStart(2, '0')),
  ];
  if (isLocale(s.language)) lines.push(t.language(LANGUAGE_NAMES[s.language]));
  return lines.join('\n');
}

function mention(scope: BudgetScope, id: string): string {
  return scope === 'channel' ? `<#${id}>` : `<@${id}>`;
}
