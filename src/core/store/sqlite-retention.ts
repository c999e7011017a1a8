/**
 * Keeping the SQLite file from growing forever: finished jobs older than the history window are folded
 * into per-day, per-user, per-model totals (`job_totals`) and deleted with their tasks. Budgets, usage
 * charts and spend reports read the totals alongside the live rows, so folding never changes a figure.
 */
import type Database from 'better-sqlite3';

const DAY_MS = 86_400_000;
const FINAL_STATES = "('delivered', 'failed', 'cancelled', 'needs_review', 'undeliverable')";

/** The migration that creates the totals table (appended to the schema's list). */
export const TOTALS_MIGRATION = `
CREATE TABLE job_totals (
  platform TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  day TEXT NOT NULL,
  model TEXT NOT NULL,
  micros INTEGER NOT NULL,
  jobs INTEGER NOT NULL,
  PRIMARY KEY (platform, workspace_id, day, user_id, channel_id, model)
);
`;

/**
 * SQL for the folded part of a spend query: whole UTC days at or after `@since`. History is kept for
 * far longer than any budget window or chart, so a folded day never straddles `since` in practice;
 * when it would, it is left out rather than counted twice.
 */
export function foldedSpendSql(filter: { channelId?: string; userId?: string }): string {
  return (
    `SELECT COALESCE(SUM(micros), 0) FROM job_totals WHERE platform = @platform AND workspace_id = COALESCE(@workspaceId, '')` +
    ` AND day >= strftime('%Y-%m-%d', (@since + ${DAY_MS - 1}) / 1000, 'unixepoch')` +
    (filter.channelId ? ' AND channel_id = @channelId' : '') +
    (filter.userId ? ' AND user_id = @userId' : '')
  );
}

/** The folded rows of a spend breakdown, in the live query's columns (day, model, userId, micros). */
export function foldedBreakdownSql(filter: { userId?: string }): string {
  return (
    `SELECT day, model, user_id AS userId, SUM(micros) AS micros FROM job_totals WHERE platform = @platform` +
    ` AND workspace_id = COALESCE(@workspaceId, '')` +
    ` AND day >= strftime('%Y-%m-%d', (@since + ${DAY_MS - 1}) / 1000, 'unixepoch')` +
    (filter.userId ? ' AND user_id = @userId' : '') +
    ' GROUP BY day, model, user_id'
  );
}

export interface FoldResult {
  /** Jobs folded into totals and deleted. */
  jobs: number;
}

/**
 * Folds finished jobs created before the UTC midnight `historyDays` ago. Unfinished jobs are never
 * touched, whatever their age. One write transaction: a crash leaves either both or neither.
 */
export function createRetention(db: Database.Database) {
  const fold = db.prepare(`
    INSERT INTO job_totals (platform, workspace_id, channel_id, user_id, day, model, micros, jobs)
    SELECT platform, COALESCE(workspace_id, ''), COALESCE(channel_id, ''), user_id,
      strftime('%Y-%m-%d', created_at / 1000, 'unixepoch'), json_extract(request, '$.model'),
      SUM(COALESCE(cost, estimate)), COUNT(*)
    FROM jobs WHERE created_at < @before AND state IN ${FINAL_STATES}
    GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT DO UPDATE SET micros = micros + excluded.micros, jobs = jobs + excluded.jobs`);
  const prune = db.prepare(`DELETE FROM jobs WHERE created_at < @before AND state IN ${FINAL_STATES}`);
  const run = db.transaction((before: number) => {
    fold.run({ before });
    return prune.run({ before }).changes;
  });
  return {
    fold(historyDays: number, now = Date.now()): FoldResult {
      const before = Math.floor(now / DAY_MS) * DAY_MS - historyDays * DAY_MS;
      return { jobs: run.immediate(before) };
    },
  };
}
