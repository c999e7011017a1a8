/**
 * `/flux-usage` (Slack: `/flux usage`): your spend today and this month and what is left of each budget
 * that applies to you, with a chart of the last 30 days; admins also see the server's totals by model
 * and its top spenders.
 */
import sharp from 'sharp';
import { type BudgetState, WARN_AT, windowStart } from '../core/budgets.ts';
import type { JobOrigin } from '../core/job-types.ts';
import { formatUsd } from '../core/pricing.ts';
import { budgetStatesAsync } from '../core/store/async-budgets.ts';
import type { JobQuery, JobRow, SpendRow } from '../core/store/types.ts';
import { type SettingsStore, settingsFor } from './admin.ts';
import type { CommandContext, OutputImage } from './context.ts';

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
  const lines = [`**Your spend**: today ${formatUsd(today)} · this month ${formatUsd(month)}`];
  const states = await budgetStatesAsync(settings, origin, store, now);
  lines.push(
    states.length
      ? states.map((s) => `• ${budgetLine(s, now)}`).join('\n')
      : '• No budgets apply to you here.',
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
    lines.push('', `**Server this month**: ${formatUsd(total)}`);
    lines.push(
      `By model: ${
        top(thisMonth, (r) => r.model)
          .map(([m, v]) => `${m} ${formatUsd(v)}`)
          .join(' · ') || 'nothing yet'
      }`,
    );
    lines.push(
      `Top spenders: ${
        top(thisMonth, (r) => r.userId)
          .slice(0, 5)
          .map(([u, v]) => `<@${u}> ${formatUsd(v)}`)
          .join(' · ') || 'nobody yet'
      }`,
    );
  }
  const chart = await spendChart(
    rows,
    now,
    ctx.actor.canConfigure ? 'Server spend, last 30 days' : 'Your spend, last 30 days',
  );
  await ctx.replyPrivate(lines.join('\n'), [chart]);
}

export function budgetLine(s: BudgetState, now: number): string {
  const who =
    s.budget.scope === 'workspace'
      ? 'the server’s'
      : s.budget.scope === 'channel'
        ? 'this channel’s'
        : 'your';
  const hours = Math.max(1, Math.round((s.resetsAt - now) / 3_600_000));
  return `${who} ${s.budget.period === 'day' ? 'daily' : 'monthly'} budget: ${formatUsd(s.leftMicros)} left of ${formatUsd(s.budget.limitMicros)} (resets in ${hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`})`;
}

/** A note for a result when the requester or channel has used most of a budget. */
export function budgetWarnings(states: BudgetState[], now: number): string[] {
  return states
    .filter(
      (s) =>
        s.budget.scope !== 'workspace' &&
        s.budget.limitMicros > 0 &&
        s.spentMicros / s.budget.limitMicros >= WARN_AT,
    )
    .map((s) => `${Math.round((s.spentMicros / s.budget.limitMicros) * 100)}% used — ${budgetLine(s, now)}`);
}

function top(rows: SpendRow[], key: (r: SpendRow) => string): Array<[string, number]> {
  const sums = new Map<string, number>();
  for (const r of rows) sums.set(key(r), (sums.get(key(r)) ?? 0) + r.micros);
  return [...sums].sort((a, b) => b[1] - a[1]);
}

/** A bar chart of daily spend as a PNG (people would rather look than read). */
export async function spendChart(rows: SpendRow[], now: number, title: string): Promise<OutputImage> {
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
<text x="${left}" y="22" font-family="sans-serif" font-size="15" fill="#111">${title} · total ${formatUsd(values.reduce((a, b) => a + b, 0))}</text>
<text x="4" y="${top + 10}" font-family="sans-serif" font-size="11" fill="#555">${formatUsd(max === 1 ? 0 : max)}</text>
<line x1="${left}" y1="${h - bottom}" x2="${w - 10}" y2="${h - bottom}" stroke="#999"/>
${bars}
<text x="${left}" y="${h - 10}" font-family="sans-serif" font-size="11" fill="#555">${days[0]}</text>
<text x="${w - 80}" y="${h - 10}" font-family="sans-serif" font-size="11" fill="#555">${days[29]}</text>
</svg>`;
  const data = await sharp(Buffer.from(svg)).png().toBuffer();
  return { name: 'flux-usage.png', data, contentType: 'image/png' };
}
