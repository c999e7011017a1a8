/**
 * The embedded store: one SQLite file (WAL) via better-sqlite3. Synchronous calls keep every state change
 * a single short transaction, and a crash leaves the file consistent for the next start to resume.
 */
import Database from 'better-sqlite3';
import { DEFAULT_SETTINGS, type SpendFilter, type WorkspaceSettings } from '../budgets.ts';
import { FluxError } from '../errors.ts';
import { type Logger, silentLogger } from '../logger.ts';
import { createStoreHealth, isDiskError } from './health.ts';
import { createRecentJobs } from './sqlite-recent.ts';
import { createRetention, foldedBreakdownSql, foldedSpendSql } from './sqlite-retention.ts';
import { jobColumns, serializeRequest, taskColumns, toJob, toTask } from './sqlite-rows.ts';
import { migrate } from './sqlite-schema.ts';
import { startUpkeep, useIncrementalVacuum } from './sqlite-upkeep.ts';
import type { JobRow, SpendRow, Store, TaskRow } from './types.ts';

export { parseRequest, serializeRequest } from './sqlite-rows.ts';

export interface SqliteStoreOptions {
  logger?: Logger;
  /** How often the file is checked (still there, free pages returned); default 5 s. */
  upkeepEveryMs?: number;
}

export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  const logger = options.logger ?? silentLogger();
  const db = new Database(path);
  useIncrementalVacuum(db, logger);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // The WAL is reused after each checkpoint; this caps what a burst of images leaves it holding.
  db.pragma(`journal_size_limit = ${32 * 1024 * 1024}`);
  migrate(db);
  const health = createStoreHealth(logger);
  const stopUpkeep = startUpkeep(db, path, health, options.upkeepEveryMs ?? 5_000);
  /** New work only while it would be durable; a refused write says so in the user's words. */
  const guarded =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      if (!health.accepting()) throw unavailable();
      try {
        return fn(...args);
      } catch (err) {
        throw isDiskError(err) ? unavailable(err) : err;
      }
    };

  const insertJob =
    db.prepare(`INSERT INTO jobs (id, state, request, origin, delivery, parent_id, platform, workspace_id, channel_id, user_id,
    estimate, cost, created_at, started_at, finished_at, error) VALUES (@id, @state, @request, @origin, @delivery, @parentId, @platform,
    @workspaceId, @channelId, @userId, @estimate, @cost, @createdAt, @startedAt, @finishedAt, @error)`);
  const insertTask = db.prepare('INSERT INTO tasks (job_id, idx, seed, state) VALUES (?, ?, ?, ?)');
  const getJob = db.prepare('SELECT * FROM jobs WHERE id = ?');
  const getTasks = db.prepare(
    'SELECT job_id, idx, seed, state, submitted, cost, cost_estimated, error, image_type FROM tasks WHERE job_id = ? ORDER BY idx',
  );
  const getTasksWithImages = db.prepare('SELECT * FROM tasks WHERE job_id = ? ORDER BY idx');
  const unfinished = db.prepare(
    "SELECT * FROM jobs WHERE state IN ('awaiting_confirmation', 'queued', 'running', 'ready') ORDER BY created_at, rowid",
  );
  const findTask = db.prepare('SELECT job_id, idx FROM tasks WHERE provider_task_id = ?');
  const pending = db.prepare(`SELECT count(*) AS n FROM tasks JOIN jobs ON jobs.id = tasks.job_id
 WHERE jobs.platform = ? AND jobs.user_id = ? AND jobs.state IN ('queued', 'running')
   AND tasks.state IN ('queued', 'submitting', 'submitted')`);
  const claim = db.prepare(
    'INSERT INTO seen_requests (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE seen_requests.expires_at <= ?',
  );
  const purgeSeen = db.prepare('DELETE FROM seen_requests WHERE expires_at <= ?');
  const extendClaim = db.prepare('UPDATE seen_requests SET expires_at = ? WHERE key = ? AND expires_at > ?');
  let claimsSincePurge = 0;
  const dropImages = db.prepare('UPDATE tasks SET image = NULL WHERE job_id = ?');
  const getDelivery = db.prepare('SELECT delivery FROM jobs WHERE id = ?');
  const setDelivery = db.prepare('UPDATE jobs SET delivery = ? WHERE id = ?');
  // One wrapper for every caller's function: building a new one per state change costs more than the write.
  const inTransaction = db.transaction((fn: () => unknown) => fn());
  const transaction = <T>(fn: () => T): T => {
    try {
      return inTransaction.immediate(fn) as T;
    } catch (err) {
      throw isDiskError(err) && !(err instanceof FluxError) ? unavailable(err) : err;
    }
  };
  const statements = new Map<string, Database.Statement>();
  const getSettings = db.prepare('SELECT json FROM settings WHERE platform = ? AND workspace_id = ?');
  const putSettings = db.prepare(
    'INSERT INTO settings (platform, workspace_id, json) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET json = excluded.json',
  );
  // A job's money: its settled cost once known, else its estimate (reserved while it is unfinished).
  const MONEY = 'COALESCE(cost, estimate)';
  // Live rows plus the per-day totals that old jobs were folded into (sqlite-retention.ts).
  const spendSql = (filter: SpendFilter) =>
    `SELECT (SELECT COALESCE(SUM(${MONEY}), 0) FROM jobs WHERE platform = @platform AND workspace_id IS @workspaceId AND created_at >= @since` +
    (filter.channelId ? ' AND channel_id = @channelId' : '') +
    (filter.userId ? ' AND user_id = @userId' : '') +
    `) + (${foldedSpendSql(filter)}) AS micros`;
  const retention = createRetention(db);
  const recentJobs = createRecentJobs(db);
  const cached = (sql: string) => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };

  /** One UPDATE per patch; statements are cached by their column list, so each shape is prepared once. */
  const update = (
    table: 'jobs' | 'tasks',
    columns: Array<[string, unknown]>,
    where: string,
    keys: unknown[],
  ) => {
    if (!columns.length) return;
    const sql = `UPDATE ${table} SET ${columns.map(([c]) => `${c} = ?`).join(', ')} WHERE ${where}`;
    cached(sql).run(...columns.map(([, v]) => v), ...keys);
  };

  return {
    health,
    insertJob: guarded(
      db.transaction((job: JobRow, tasks: TaskRow[]) => {
        insertJob.run({
          id: job.id,
          state: job.state,
          request: serializeRequest(job.request),
          origin: JSON.stringify(job.origin),
          delivery: JSON.stringify(job.delivery),
          parentId: job.parentId ?? null,
          platform: job.origin.platform,
          workspaceId: job.origin.workspaceId ?? null,
          channelId: job.origin.channelId ?? null,
          userId: job.origin.userId,
          estimate: job.estimateMicros,
          cost: job.costMicros ?? null,
          createdAt: job.createdAt,
          startedAt: job.startedAt ?? null,
          finishedAt: job.finishedAt ?? null,
          error: job.error ? JSON.stringify(job.error) : null,
        });
        for (const t of tasks) insertTask.run(job.id, t.index, t.seed, t.state);
      }),
    ),
    getJob(id) {
      const row = getJob.get(id) as Record<string, unknown> | undefined;
      return row ? toJob(row) : undefined;
    },
    getTasks(jobId, withImages = false) {
      return ((withImages ? getTasksWithImages : getTasks).all(jobId) as Record<string, unknown>[]).map(
        toTask,
      );
    },
    updateJob(id, patch) {
      update('jobs', jobColumns(patch), 'id = ?', [id]);
    },
    updateTask(jobId, index, patch) {
      update('tasks', taskColumns(patch), 'job_id = ? AND idx = ?', [jobId, index]);
    },
    patchDelivery(id, patch) {
      // Read and written in one immediate transaction: a process sharing the file waits, not interleaves.
      return transaction(() => {
        const row = getDelivery.get(id) as { delivery: string } | undefined;
        if (!row) return false;
        setDelivery.run(JSON.stringify({ ...JSON.parse(row.delivery), ...patch }), id);
        return true;
      });
    },
    dropImages(jobId) {
      dropImages.run(jobId);
    },
    unfinishedJobs() {
      return (unfinished.all() as Record<string, unknown>[]).map(toJob);
    },
    pendingImages(platform, userId) {
      return (pending.get(platform, userId) as { n: number }).n;
    },
    findTask(providerTaskId) {
      const row = findTask.get(providerTaskId) as { job_id: string; idx: number } | undefined;
      return row ? { jobId: row.job_id, index: row.idx } : undefined;
    },
    recentJobs,
    claimOnce(key, expiresAt) {
      const now = Date.now();
      if (++claimsSincePurge >= 1000) {
        claimsSincePurge = 0;
        purgeSeen.run(now);
      }
      return claim.run(key, expiresAt, now).changes === 1;
    },
    extendClaims(keys, expiresAt) {
      if (!keys.length) return;
      const now = Date.now();
      transaction(() => {
        for (const key of keys) extendClaim.run(expiresAt, key, now);
      });
    },
    transaction,
    getSettings(platform, workspaceId) {
      const row = getSettings.get(platform, workspaceId) as { json: string } | undefined;
      return row
        ? { ...DEFAULT_SETTINGS, ...(JSON.parse(row.json) as Partial<WorkspaceSettings>) }
        : undefined;
    },
    putSettings(platform, workspaceId, settings) {
      putSettings.run(platform, workspaceId, JSON.stringify(settings));
    },
    spent(filter, since) {
      const row = cached(spendSql(filter)).get({
        platform: filter.platform,
        workspaceId: filter.workspaceId ?? null,
        since,
        channelId: filter.channelId ?? null,
        userId: filter.userId ?? null,
      }) as { micros: number };
      return row.micros;
    },
    spendBreakdown(filter, since) {
      const live =
        `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day, json_extract(request, '$.model') AS model, user_id AS userId, SUM(${MONEY}) AS micros ` +
        'FROM jobs WHERE platform = @platform AND workspace_id IS @workspaceId AND created_at >= @since' +
        (filter.userId ? ' AND user_id = @userId' : '') +
        ' GROUP BY day, model, user_id';
      const sql = `SELECT day, model, userId, SUM(micros) AS micros FROM (${live} UNION ALL ${foldedBreakdownSql(filter)}) GROUP BY day, model, userId ORDER BY day`;
      return cached(sql).all({
        platform: filter.platform,
        workspaceId: filter.workspaceId ?? null,
        since,
        userId: filter.userId ?? null,
      }) as SpendRow[];
    },
    foldHistory(keepDays, now) {
      return retention.fold(keepDays, now).jobs;
    },
    close() {
      stopUpkeep();
      if (db.open) db.close();
    },
  };
}

function unavailable(cause?: unknown): FluxError {
  return new FluxError('STORE_UNAVAILABLE', 'the store cannot keep new work durably', { cause });
}
