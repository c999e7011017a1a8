/**
 * The embedded store: one SQLite file (WAL) via better-sqlite3. Synchronous calls keep every state change
 * a single short transaction, and a crash leaves the file consistent for the next start to resume.
 */
import Database from 'better-sqlite3';
import { DEFAULT_SETTINGS, type SpendFilter, type WorkspaceSettings } from '../budgets.ts';
import type { GenerationRequest, Reference } from '../request.ts';
import type { JobRow, SpendRow, Store, TaskRow } from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  request TEXT NOT NULL,
  origin TEXT NOT NULL,
  delivery TEXT NOT NULL,
  parent_id TEXT,
  platform TEXT NOT NULL,
  workspace_id TEXT,
  channel_id TEXT,
  user_id TEXT NOT NULL,
  estimate INTEGER NOT NULL,
  cost INTEGER,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs(state) WHERE state IN ('awaiting_confirmation', 'queued', 'running', 'ready');
CREATE TABLE IF NOT EXISTS tasks (
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  state TEXT NOT NULL,
  submitted TEXT,
  provider_task_id TEXT,
  cost INTEGER,
  cost_estimated INTEGER,
  error TEXT,
  image BLOB,
  image_type TEXT,
  PRIMARY KEY (job_id, idx)
);
CREATE INDEX IF NOT EXISTS jobs_spend ON jobs(platform, workspace_id, created_at);
CREATE TABLE IF NOT EXISTS settings (
  platform TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (platform, workspace_id)
);
CREATE INDEX IF NOT EXISTS tasks_provider ON tasks(provider_task_id) WHERE provider_task_id IS NOT NULL;
`;

const JOB_COLUMNS: Record<string, string> = {
  state: 'state',
  delivery: 'delivery',
  parentId: 'parent_id',
  estimateMicros: 'estimate',
  costMicros: 'cost',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  error: 'error',
};
const TASK_COLUMNS: Record<string, string> = {
  state: 'state',
  submitted: 'submitted',
  costMicros: 'cost',
  costEstimated: 'cost_estimated',
  error: 'error',
};
const JSON_FIELDS = new Set(['delivery', 'error', 'submitted']);

export function createSqliteStore(path: string): Store {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);

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
  const dropImages = db.prepare('UPDATE tasks SET image = NULL WHERE job_id = ?');
  const setImage = db.prepare('UPDATE tasks SET image = ?, image_type = ? WHERE job_id = ? AND idx = ?');
  const setProviderId = db.prepare('UPDATE tasks SET provider_task_id = ? WHERE job_id = ? AND idx = ?');
  const statements = new Map<string, Database.Statement>();
  const getSettings = db.prepare('SELECT json FROM settings WHERE platform = ? AND workspace_id = ?');
  const putSettings = db.prepare(
    'INSERT INTO settings (platform, workspace_id, json) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET json = excluded.json',
  );
  // A job's money: its settled cost once known, else its estimate (reserved while it is unfinished).
  const MONEY = 'COALESCE(cost, estimate)';
  const spendSql = (filter: SpendFilter) =>
    `SELECT COALESCE(SUM(${MONEY}), 0) AS micros FROM jobs WHERE platform = @platform AND workspace_id IS @workspaceId AND created_at >= @since` +
    (filter.channelId ? ' AND channel_id = @channelId' : '') +
    (filter.userId ? ' AND user_id = @userId' : '');
  const cached = (sql: string) => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };

  const update = (
    table: 'jobs' | 'tasks',
    columns: Record<string, string>,
    patch: Record<string, unknown>,
    where: string,
    keys: unknown[],
  ) => {
    const fields = Object.keys(patch).filter((k) => columns[k]);
    if (!fields.length) return;
    const sql = `UPDATE ${table} SET ${fields.map((f) => `${columns[f]} = ?`).join(', ')} WHERE ${where}`;
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    stmt.run(...fields.map((f) => toColumn(f, patch[f])), ...keys);
  };

  return {
    insertJob: db.transaction((job: JobRow, tasks: TaskRow[]) => {
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
      update('jobs', JOB_COLUMNS, patch, 'id = ?', [id]);
    },
    updateTask(jobId, index, patch) {
      update('tasks', TASK_COLUMNS, patch, 'job_id = ? AND idx = ?', [jobId, index]);
      if (patch.submitted) setProviderId.run(patch.submitted.taskId, jobId, index);
      if (patch.image) setImage.run(patch.image.data, patch.image.contentType, jobId, index);
    },
    dropImages(jobId) {
      dropImages.run(jobId);
    },
    unfinishedJobs() {
      return (unfinished.all() as Record<string, unknown>[]).map(toJob);
    },
    findTask(providerTaskId) {
      const row = findTask.get(providerTaskId) as { job_id: string; idx: number } | undefined;
      return row ? { jobId: row.job_id, index: row.idx } : undefined;
    },
    transaction(fn) {
      return db.transaction(fn).immediate();
    },
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
      const sql =
        `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day, json_extract(request, '$.model') AS model, user_id AS userId, SUM(${MONEY}) AS micros ` +
        'FROM jobs WHERE platform = @platform AND workspace_id IS @workspaceId AND created_at >= @since' +
        (filter.userId ? ' AND user_id = @userId' : '') +
        ' GROUP BY day, model, user_id ORDER BY day';
      return cached(sql).all({
        platform: filter.platform,
        workspaceId: filter.workspaceId ?? null,
        since,
        userId: filter.userId ?? null,
      }) as SpendRow[];
    },
    close() {
      if (db.open) db.close();
    },
  };
}

function toColumn(field: string, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (JSON_FIELDS.has(field)) return JSON.stringify(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

function toJob(row: Record<string, unknown>): JobRow {
  const job: JobRow = {
    id: row.id as string,
    state: row.state as JobRow['state'],
    request: parseRequest(row.request as string),
    origin: JSON.parse(row.origin as string),
    delivery: JSON.parse(row.delivery as string),
    estimateMicros: row.estimate as number,
    createdAt: row.created_at as number,
  };
  if (row.parent_id) job.parentId = row.parent_id as string;
  if (row.cost !== null) job.costMicros = row.cost as number;
  if (row.started_at !== null) job.startedAt = row.started_at as number;
  if (row.finished_at !== null) job.finishedAt = row.finished_at as number;
  if (row.error) job.error = JSON.parse(row.error as string);
  return job;
}

function toTask(row: Record<string, unknown>): TaskRow {
  const task: TaskRow = {
    jobId: row.job_id as string,
    index: row.idx as number,
    seed: row.seed as number,
    state: row.state as TaskRow['state'],
  };
  if (row.submitted) task.submitted = JSON.parse(row.submitted as string);
  if (row.cost !== null && row.cost !== undefined) task.costMicros = row.cost as number;
  if (row.cost_estimated) task.costEstimated = true;
  if (row.error) task.error = JSON.parse(row.error as string);
  if (row.image) task.image = { data: row.image as Buffer, contentType: row.image_type as string };
  return task;
}

/** Requests as JSON; reference bytes as base64 so a restart can still send them. */
export function serializeRequest(request: GenerationRequest): string {
  if (!request.references.some((r) => r.kind === 'bytes')) return JSON.stringify(request);
  const references = request.references.map((r) =>
    r.kind === 'bytes' ? { ...r, data: r.data.toString('base64') } : r,
  );
  return JSON.stringify({ ...request, references });
}

export function parseRequest(text: string): GenerationRequest {
  const request = JSON.parse(text) as GenerationRequest;
  request.references = request.references.map((r) =>
    r.kind === 'bytes'
      ? ({ ...r, data: Buffer.from(r.data as unknown as string, 'base64') } as Reference)
      : r,
  );
  return request;
}
