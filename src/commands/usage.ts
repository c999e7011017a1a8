/**
 * `/flux-usage` (Slack: `/flux usage`): your spend today and this month and what is left of each budget
 * that applies to you, with a chart of the last 30 days; admins also see the server's totals by model
 * and its top spenders.
 */
import sharp from 'sharp';
import { type BudgetState, WARN_AT, windowStart } from '../core/budgets.ts';
import type { JobOrigin } from '../core/job-types.ts';
import { budgetStatesAsync } from '../core/store/async-budgets.ts';
import type { JobQuery, JobRow, SpendRow } from '../core/store/types.ts';
import { type SettingsStore, settingsFor } from './admin.ts';
import type { CommandContext, OutputImage } from './context.ts';
import { formatDay, formatMoney, formatNumber } from './i18n/format.ts';
import type { Locale } from './i18n/locale.ts';
import { memberLocale } from './member-locale.ts';
import { usageTexts } from './usage-texts.ts';

export interface UsageStore extends SettingsStore {
  spent(
    filter: { platform: JobOrigin['platform']; workspaceId?: string; channelId?: string; userId?: string },
    since: number,
  ): Promise<number>;
  spendBreakdown(
    filter: { platform: JobOrigin['platform']; workspaceId?: string; userId?: string },
    since: number,
  ): Promise<SpendRow[]>;
  /** Recent jobs, newest first (recall: `/flux history`, `/flux show <id>`). */
  recentJobs(query: JobQuery, limit: number): Promise<JobRow[]>;
}

const DAY = 86_400_000;

export async function runUsage(ctx: CommandContext, store: UsageStore, now = Date.now()): Promise<void> {
  const settings = await settingsFor(store, ctx);
  const locale = await memberLocale(ctx, store);
  const t = usageTexts(locale);
  const usd = (micros: number) => formatMoney(micros, locale);
  const origin: JobOrigin = {
    platform: ctx.platform,
    userId: ctx.actor.id,
    ...(ctx.workspaceId ? { workspaceId: ctx.workspaceId } : {}),
    ...(ctx.channelId ? { channelId: ctx.channelId } : {}),
  };
  const mine = {
    platform: ctx.platform,
    userId: ctx.actor.id,
    ...(ctx.workspaceId ? { workspaceId: ctx.workspaceId } : {}),
  };
  const today = await store.spent(mine, windowStart('day', now, settings.resetHourUtc));
  const month = await store.spent(mine, windowStart('month', now, settings.resetHourUtc));
  const lines = [t.yourSpend(usd(today), usd(month))];
  const states = await budgetStatesAsync(settings, origin, store, now);
  lines.push(
    states.length ? states.map((s) => `• ${budgetLine(s, now, locale)}`).join('\n') : `• ${t.noBudgets}`,
  );

  const since = now - 29 * DAY;
  const server = { platform: ctx.platform, ...(ctx.workspaceId ? { workspaceId: ctx.workspaceId } : {}) };
  const rows = await store.spendBreakdown(ctx.actor.canConfigure ? server : mine, since);
  if (ctx.actor.canConfigure && ctx.workspaceId) {
    const monthStart = windowStart('month', now, settings.resetHourUtc);
    const thisMonth = await store.spendBreakdown(
      { platform: ctx.platform, workspaceId: ctx.workspaceId },
      monthStart,
    );
    const total = thisMonth.reduce((s, r) => s + r.micros, 0);
    lines.push('', t.serverMonth(usd(total)));
    const byModel = top(thisMonth, (r) => r.model).map(([m, v]) => `${m} ${usd(v)}`);
    lines.push(t.byModel(byModel.join(' · ') || t.nothingYet));
    const spenders = top(thisMonth, (r) => r.userId)
      .slice(0, 5)
      .map(([u, v]) => `<@${u}> ${usd(v)}`);
    lines.push(t.topSpenders(spenders.join(' · ') || t.nobodyYet));
  }
  const chart = await spendChart(rows, now, ctx.actor.canConfigure ? t.chartServer : t.chartYours, locale);
  await ctx.replyPrivate(lines.join('\n'), [chart]);
}

export function budgetLine(s: BudgetState, now: number, locale: Locale = 'en'): string {
  const t = usageTexts(locale);
  const who =
    s.budget.scope === 'workspace' ? t.whoServer : s.budget.scope === 'channel' ? t.whoChannel : t.whoYour;
  const hours = Math.max(1, Math.round((s.resetsAt - now) / 3_600_000));
  const resets = hours < 48 ? t.hours(String(hours)) : t.days(String(Math.round(hours / 24)));
  const period = s.budget.period === 'day' ? t.daily : t.monthly;
  return t.budgetLine(
    who,
    period,
    formatMoney(s.leftMicros, locale),
    formatMoney(s.budget.limitMicros, locale),
    resets,
  );
}

/** A note for a result when the requester or channel has used most of a budget. */
export function budgetWarnings(states: BudgetState[], now: number, locale: Locale = 'en'): string[] {
  return states
    .filter(
      (s) =>
        s.budget.scope !== 'workspace' &&
        s.budget.limitMicros > 0 &&
        s.spentMicros / s.budget.limitMicros >= WARN_AT,
    )
    .map((s) =>
      usageTexts(locale).used(
        String(Math.round((s.spentMicros / s.budget.limitMicros) * 100)),
        budgetLine(s, now, locale),
      ),
    );
}

function top(rows: SpendRow[], key: (r: SpendRow) => string): Array<[string, number]> {
  const sums = new Map<string, number>();
  for (const r of rows) sums.set(key(r), (sums.get(key(r)) ?? 0) + r.micros);
  return [...sums].sort((a, b) => b[1] - a[1]);
}

/** A bar chart of daily spend as a PNG (people would rather look than read). */
export async function spendChart(
  rows: SpendRow[],
  now: number,
  title: string,
  locale: Locale = 'en',
): Promise<OutputImage> {
  const usd = (micros: number) => formatMoney(micros, locale);
  const days = Array.from({ length: 30 }, (_, i) =>
    new Date(now - (29 - i) * DAY).toISOString().slice(0, 10),
  );
  const byDay = new Map<string, number>();
  for (const r of rows) byDay.set(r.day, (byDay.get(r.day) ?? 0) + r.micros);
  const values = days.map((d) => byDay.get(d) ?? 0);
  const max = Math.max(...values, 1);
  const [w, h, left, bottom, top] = [640, 240, 60, 30, 36];
  const bw = (w - left - 10) / days.length;
  const bars = values
    .map((v, i) => {
      const bh = ((h - top - bottom) * v) / max;
      return `<rect x="${(left + i * bw + 1).toFixed(1)}" y="${(h - bottom - bh).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="#5865f2"/>`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="${left}" y="22" font-family="sans-serif" font-size="15" fill="#111">${escapeXml(usageTexts(locale).chartTotal(title, usd(values.reduce((a, b) => a + b, 0))))}</text>
<text x="4" y="${top + 10}" font-family="sans-serif" font-size="11" fill="#555">${escapeXml(usd(max === 1 ? 0 : max))}</text>
<line x1="${left}" y1="${h - bottom}" x2="${w - 10}" y2="${h - bottom}" stroke="#999"/>
${bars}
<text x="${left}" y="${h - 10}" font-family="sans-serif" font-size="11" fill="#555">${days[0]}</text>
<text x="${w - 80}" y="${h - 10}" font-family="sans-serif" font-size="11" fill="#555">${days[29]}</text>
</svg>`;
  const data = await sharp(Buffer.from(svg)).png().toBuffer();
  return {
    name: 'flux-usage.png',
    data,
    contentType: 'image/png',
    alt: chartAlt(days, values, title, locale),
  };
}

/** What the chart shows, for whoever cannot see it: the total, the highest day, how many days spent. */
function chartAlt(days: string[], values: number[], title: string, locale: Locale): string {
  const t = usageTexts(locale);
  const total = values.reduce((a, b) => a + b, 0);
  if (!total) return t.chartAltNone(title);
  const peak = values.indexOf(Math.max(...values));
  const spent = values.filter((v) => v > 0).length;
  return t.chartAlt(
    title,
    formatMoney(total, locale),
    formatMoney(values[peak] ?? 0, locale),
    formatDay(days[peak] ?? '', locale),
    formatNumber(spent, locale),
  );
}

/** Text in the chart's SVG: `&` and `<` (a `US$` has none, but a title may) must not break the image. */
function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
