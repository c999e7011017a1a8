/**
 * `/flux-admin` (Slack: `/flux admin …`): budgets, allowed models, defaults, safety ceilings, the confirm
 * threshold. One text grammar on both platforms; settings are per server/workspace and stored durably.
 *   show
 *   budget <user|channel|server> <day|month> <$amount|off> [@user|#channel]
 *   models <all|pro,max,…>      default-model <model>      default-size <WxH|16:9>
 *   safety <0-5|off> [#channel]  confirm <$amount>          reset-hour <0-23>
 *   language <en|zh-Hans|zh-Hant>
 */
import {
  type Budget,
  type BudgetPeriod,
  type BudgetScope,
  DEFAULT_SETTINGS,
  type WorkspaceSettings,
} from '../core/budgets.ts';
import { FluxError, ValidationError } from '../core/errors.ts';
import { isModelId, MODEL_IDS, type ModelId } from '../core/models.ts';
import { usdToMicros } from '../core/pricing.ts';
import { LIMITS, parseSize } from '../core/request.ts';
import { type AdminAccount, accountLine, describeSettings } from './admin-show.ts';
import { adminTexts } from './admin-texts.ts';
import type { CommandContext } from './context.ts';
import { LOCALES, localeOf } from './i18n/locale.ts';
import { memberLocale } from './member-locale.ts';

export { type AdminAccount, describeSettings, readBalance } from './admin-show.ts';

export interface SettingsStore {
  getSettings(
    platform: CommandContext['platform'],
    workspaceId: string,
  ): Promise<WorkspaceSettings | undefined>;
  putSettings(
    platform: CommandContext['platform'],
    workspaceId: string,
    settings: WorkspaceSettings,
  ): Promise<void>;
}

export const ADMIN_HELP = adminTexts('en').help;

export async function settingsFor(
  store: SettingsStore,
  ctx: Pick<CommandContext, 'platform' | 'workspaceId'>,
): Promise<WorkspaceSettings> {
  return (
    (ctx.workspaceId ? await store.getSettings(ctx.platform, ctx.workspaceId) : undefined) ?? DEFAULT_SETTINGS
  );
}

/** Runs one admin command; answers privately. Throws FluxError NOT_ADMIN, ValidationError. */
export async function runAdmin(
  ctx: CommandContext,
  store: SettingsStore,
  text: string,
  account?: AdminAccount,
): Promise<void> {
  if (!ctx.actor.canConfigure) throw new FluxError('NOT_ADMIN', `${ctx.actor.id} may not change settings`);
  const locale = await memberLocale(ctx, store);
  const t = adminTexts(locale);
  if (!ctx.workspaceId) {
    await ctx.replyPrivate(t.needsWorkspace);
    return;
  }
  const words = text.trim().split(/\s+/).filter(Boolean);
  const current = await settingsFor(store, ctx);
  const [verb = 'show', ...args] = words;
  if (verb === 'show' || verb === 'help') {
    const money = account
      ? `${await accountLine(account, ctx.platform, ctx.workspaceId, current, locale)}\n`
      : '';
    await ctx.replyPrivate(`${money}${describeSettings(current, locale)}\n\n${t.help}`);
    return;
  }
  const next = apply(current, verb.toLowerCase(), args);
  await store.putSettings(ctx.platform, ctx.workspaceId, next);
  // A new default language answers in it at once (unless the admin's own platform language is ours).
  const after = await memberLocale({ ...ctx, workspaceId: ctx.workspaceId }, store);
  await ctx.replyPrivate(`${adminTexts(after).saved}\n${describeSettings(next, after)}`);
}

function apply(s: WorkspaceSettings, verb: string, args: string[]): WorkspaceSettings {
  switch (verb) {
    case 'budget': {
      const [scopeRaw, periodRaw, amount, target] = args;
      const scopes: Record<string, BudgetScope> = {
        user: 'user',
        channel: 'channel',
        server: 'workspace',
        workspace: 'workspace',
      };
      const scope = scopes[scopeRaw?.toLowerCase() ?? ''];
      if (!scope)
        throw new ValidationError('INVALID_OPTION', 'budget scope', 'user, channel or server', scopeRaw);
      const period = periodRaw?.toLowerCase();
      if (period !== 'day' && period !== 'month')
        throw new ValidationError('INVALID_OPTION', 'budget period', 'day or month', periodRaw);
      const id = target ? mentionId(target) : undefined;
      if (scope === 'workspace' && id)
        throw new ValidationError('INVALID_OPTION', 'budget target', 'none for a server budget', target);
      const same = (b: Budget) => b.scope === scope && b.period === period && b.target === id;
      const budgets = s.budgets.filter((b) => !same(b));
      if (amount?.toLowerCase() !== 'off')
        budgets.push({
          scope,
          period: period as BudgetPeriod,
          limitMicros: money('budget amount', amount),
          ...(id ? { target: id } : {}),
        });
      return { ...s, budgets };
    }
    case 'models': {
      const list = (args[0] ?? '').toLowerCase();
      if (list === 'all') {
        const { allowedModels: _, ...rest } = s;
        return rest;
      }
      const models = list.split(',').filter(Boolean);
      const bad = models.find((m) => !isModelId(m));
      if (!models.length || bad)
        throw new ValidationError(
          'INVALID_OPTION',
          'models',
          `all, or a comma-separated list of ${MODEL_IDS.join(', ')}`,
          bad ?? list,
        );
      return { ...s, allowedModels: models as ModelId[] };
    }
    case 'default-model': {
      const m = args[0]?.toLowerCase() ?? '';
      if (!isModelId(m))
        throw new ValidationError('INVALID_OPTION', 'default-model', MODEL_IDS.join(', '), m);
      return { ...s, defaultModel: m };
    }
    case 'default-size':
      parseSize(args[0] ?? '');
      return { ...s, defaultSize: args[0] as string };
    case 'safety': {
      const key = args[1] ? mentionId(args[1]) : '*';
      const maxSafety = { ...s.maxSafety };
      if (args[0]?.toLowerCase() === 'off') delete maxSafety[key];
      else {
        const n = Number(args[0]);
        if (!Number.isInteger(n) || n < LIMITS.safetyMin || n > LIMITS.safetyMax)
          throw new ValidationError(
            'INVALID_OPTION',
            'safety',
            'a whole number from 0 to 5, or off',
            args[0],
          );
        maxSafety[key] = n;
      }
      return { ...s, maxSafety };
    }
    case 'confirm':
      return { ...s, confirmThresholdMicros: money('confirm threshold', args[0]) };
    case 'language': {
      const locale = localeOf(args[0]);
      // Only our own three tags (any case), not every tag that happens to read as one of them.
      if (!locale || args[0]?.toLowerCase() !== locale.toLowerCase())
        throw new ValidationError('INVALID_OPTION', 'language', LOCALES.join(', '), args[0] ?? '');
      return { ...s, language: locale };
    }
    case 'reset-hour': {
      const h = Number(args[0]);
      if (!Number.isInteger(h) || h < 0 || h > 23)
        throw new ValidationError('INVALID_OPTION', 'reset-hour', 'a whole number from 0 to 23', args[0]);
      return { ...s, resetHourUtc: h };
    }
    default:
      throw new ValidationError(
        'UNKNOWN_OPTION',
        'admin command',
        'show, budget, models, default-model, default-size, safety, confirm, reset-hour, language',
        verb,
      );
  }
}

/** `<@U123|name>`, `<#C123|name>`, `<@!123>`, `@123` or a bare id → the id. */
export function mentionId(raw: string): string {
  const m = /^<[@#]!?&?([A-Za-z0-9]+)(?:\|[^>]*)?>$/.exec(raw) ?? /^[@#]?([A-Za-z0-9]+)$/.exec(raw);
  if (!m) throw new ValidationError('INVALID_OPTION', 'target', 'a @user or #channel mention', raw);
  return m[1] as string;
}

function money(option: string, raw: string | undefined): number {
  const n = Number((raw ?? '').replace(/^\$/, ''));
  if (!raw || !Number.isFinite(n) || n < 0 || n > 100_000)
    throw new ValidationError('INVALID_OPTION', option, 'an amount in USD such as $1.50', raw);
  return usdToMicros(n);
}
