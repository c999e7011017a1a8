/**
 * The distributed store: Postgres through a node-postgres pool, shared by any number of processes.
 * Every operation is one statement or one short transaction; atomicity across processes comes from
 * Postgres itself (row locks, ON CONFLICT, DELETE … RETURNING), never from anything held in memory.
 */
import type { PoolClient, QueryResultRow } from 'pg';
import { checkBudgets, DEFAULT_SETTINGS, type WorkspaceSettings } from '../budgets.ts';
import { type Logger, silentLogger } from '../logger.ts';
import { budgetStatesAsync } from './async-budgets.ts';
import { createStoreHealth } from './health.ts';
import type { AsyncStore } from './port.ts';
import { postgresClaims } from './postgres-claims.ts';
import { isUnavailable, unavailable } from './postgres-errors.ts';
import { createPool, inTransaction } from './postgres-pool.ts';
import { JOB_COLUMNS, START_TASK_SQL, TASK_COLUMNS, TASK_ROWS } from './postgres-rows.ts';
import { migrate } from './postgres-schema.ts';
import {
  breakdownQuery,
  FOLD_SQL,
  insertJobQuery,
  insertTasksQuery,
  oneStatement,
  patchDeliveryQuery,
  type Query,
  recentJobsQuery,
  spentQuery,
  writeQuery,
} from './postgres-sql.ts';
import { toJob, toTask } from './sqlite-rows.ts';
import type { JobRow, SpendRow, TaskRow } from './types.ts';

export interface PostgresStoreOptions {
  logger?: Logger;
  /** Connections this process keeps at most (default 10). */
  maxConnections?: number;
}

const DAY_MS = 86_400_000;

export async function createPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<AsyncStore> {
  const logger = options.logger ?? silentLogger();
  const pool = createPool(url, options.maxConnections ?? 10, logger);
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const health = createStoreHealth(logger);

  /** Runs `fn`, turning "cannot reach or write" into STORE_UNAVAILABLE and reporting it while it lasts. */
  async function guarded<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      health.clear('write_failed');
      return result;
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      health.report('write_failed', err);
      throw unavailable(err);
    }
  }
  const query = <R extends QueryResultRow>(q: Query | string) =>
    guarded(() => (typeof q === 'string' ? pool.query<R>(q) : pool.query<R>(q.text, q.values)));

  const transaction = <T>(fn: (client: PoolClient) => Promise<T>) => guarded(() => inTransaction(pool, fn));

  const run = (client: Pick<PoolClient, 'query'>, q: Query) => client.query(q.text, q.values);
  async function insert(client: Pick<PoolClient, 'query'>, job: JobRow, tasks: TaskRow[]) {
    const q = insertJobQuery(job);
    await run(client, tasks.length ? oneStatement([q, insertTasksQuery(job.id, tasks)]) : q);
  }
  async function spentWith(client: Pick<PoolClient, 'query'>, q: Query): Promise<number> {
    const { rows } = await client.query<{ micros: number }>(q.text, q.values);
    return rows[0]?.micros ?? 0;
  }
  const parseSettings = (json: string): WorkspaceSettings => ({
    ...DEFAULT_SETTINGS,
    ...(JSON.parse(json) as Partial<WorkspaceSettings>),
  });
  let closing: Promise<void> | undefined;

  async function getSettings(platform: JobRow['origin']['platform'], workspaceId: string) {
    const { rows } = await query<{ json: string }>({
      text: 'SELECT json FROM settings WHERE platform = $1 AND workspace_id = $2',
      values: [platform, workspaceId],
    });
    return rows[0] ? parseSettings(rows[0].json) : undefined;
  }

  return {
    health,
    getSettings,
    async putSettings(platform, workspaceId, settings) {
      await query({
        text: 'INSERT INTO settings (platform, workspace_id, json) VALUES ($1, $2, $3) ON CONFLICT (platform, workspace_id) DO UPDATE SET json = excluded.json',
        values: [platform, workspaceId, JSON.stringify(settings)],
      });
    },
    spent: (filter, since) => guarded(() => spentWith(pool, spentQuery(filter, since))),
    async spendBreakdown(filter, since) {
      return (await query<SpendRow & QueryResultRow>(breakdownQuery(filter, since))).rows;
    },
    insertJob: (job, tasks) => guarded(() => insert(pool, job, tasks)),
    async insertJobWithinBudgets(job, tasks, now) {
      const { platform, workspaceId } = job.origin;
      // Most workspaces set no budget: then the job is one insert, no transaction, no lock (4 round
      // trips become 2). A budget an admin sets in the same instant may miss this one job's estimate in
      // its first check: the job was admitted under the settings as they stood when it was read.
      const unbudgeted = !workspaceId || !(await getSettings(platform, workspaceId))?.budgets.length;
      if (unbudgeted) return guarded(() => insert(pool, job, tasks));
      return transaction(async (client) => {
        // Budgets are all per workspace, so locking its settings row serialises exactly the admissions
        // that compete for the same money, across processes, and nothing else. In READ COMMITTED each
        // statement after the lock sees every job the previous holder committed. The alternatives
        // lose: a separate spend counter would be a second ledger to keep in step with the jobs (the
        // jobs are the ledger, so a crash cannot leak a reservation), and SERIALIZABLE would abort
        // and retry most racing admissions on predicate conflicts over the same sums.
        if (workspaceId) {
          const { rows } = await client.query<{ json: string }>(
            'SELECT json FROM settings WHERE platform = $1 AND workspace_id = $2 FOR UPDATE',
            [platform, workspaceId],
          );
          const settings = rows[0] ? parseSettings(rows[0].json) : undefined;
          if (settings?.budgets.length) {
            const ledger = {
              spent: (f: Parameters<typeof spentQuery>[0], s: number) => spentWith(client, spentQuery(f, s)),
            };
            checkBudgets(await budgetStatesAsync(settings, job.origin, ledger, now), job.estimateMicros);
          }
        }
        await insert(client, job, tasks);
      });
    },
    async getJob(id) {
      const { rows } = await query({ text: `SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, values: [id] });
      return rows[0] ? toJob(rows[0]) : undefined;
    },
    async getJobWithTasks(id) {
      const { rows } = await query({
        text: `SELECT ${JOB_COLUMNS}, ${TASK_ROWS} FROM jobs WHERE id = $1`,
        values: [id],
      });
      const row = rows[0];
      return row && { job: toJob(row), tasks: (row.task_rows as Array<Record<string, unknown>>).map(toTask) };
    },
    async startTask(jobId, index, startedAt) {
      const { rows } = await query({ text: START_TASK_SQL, values: [jobId, index, startedAt] });
      const row = rows[0];
      if (!row) return undefined;
      // Read in the statement's snapshot: its own changes are applied here.
      const started = row.started === true;
      const job = toJob(row);
      const tasks = (row.task_rows as Array<Record<string, unknown>>)
        .map(toTask)
        .map((t) => (t.index === index ? { ...t, state: 'submitting' as const } : t));
      return { started, job: started ? { ...job, state: 'running', startedAt } : job, tasks };
    },
    async getTasks(jobId, withImages = false) {
      const columns = withImages ? `${TASK_COLUMNS}, image` : TASK_COLUMNS;
      const { rows } = await query({
        text: `SELECT ${columns} FROM tasks WHERE job_id = $1 ORDER BY idx`,
        values: [jobId],
      });
      return rows.map(toTask);
    },
    async updateJob(id, patch) {
      const q = writeQuery({ kind: 'job', id, patch });
      if (q) await query(q);
    },
    async patchDelivery(id, patch) {
      return (await query(patchDeliveryQuery(id, patch))).rowCount === 1;
    },
    async updateTask(jobId, index, patch) {
      const q = writeQuery({ kind: 'task', jobId, index, patch });
      if (q) await query(q);
    },
    async write(writes) {
      const changes = writes.flatMap((w) => {
        const q = writeQuery(w);
        return q ? [{ table: w.kind === 'job' ? 'jobs' : 'tasks', q }] : [];
      });
      // One statement is atomic by itself: no BEGIN and COMMIT around it. Changes of different tables
      // (a job and its task started together, a delivery) touch different rows, so they can be one
      // statement too; two of one table may touch one row twice, and keep their order in a transaction.
      if (new Set(changes.map((c) => c.table)).size === changes.length) {
        if (changes.length) await query(oneStatement(changes.map((c) => c.q)));
        return;
      }
      await transaction(async (client) => {
        for (const { q } of changes) await run(client, q);
      });
    },
    async dropImages(jobId) {
      await query({ text: 'UPDATE tasks SET image = NULL WHERE job_id = $1', values: [jobId] });
    },
    async unfinishedJobs() {
      const { rows } = await query(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE state IN ('awaiting_confirmation', 'queued', 'running', 'ready') ORDER BY created_at, seq`,
      );
      return rows.map(toJob);
    },
    async pendingImages(platform, userId) {
      const { rows } = await query<{ n: string }>({
        text: `SELECT count(*) AS n FROM tasks JOIN jobs ON jobs.id = tasks.job_id
 WHERE jobs.platform = $1 AND jobs.user_id = $2 AND jobs.state IN ('queued', 'running')
   AND tasks.state IN ('queued', 'submitting', 'submitted')`,
        values: [platform, userId],
      });
      return Number(rows[0]?.n ?? 0);
    },
    async findTask(providerTaskId) {
      const { rows } = await query<{ job_id: string; idx: number }>({
        text: 'SELECT job_id, idx FROM tasks WHERE provider_task_id = $1 LIMIT 1',
        values: [providerTaskId],
      });
      return rows[0] ? { jobId: rows[0].job_id, index: rows[0].idx } : undefined;
    },
    async recentJobs(q, limit) {
      return (await query(recentJobsQuery(q, limit))).rows.map(toJob);
    },
    ...postgresClaims(query),
    async foldHistory(keepDays, now = Date.now()) {
      const before = Math.floor(now / DAY_MS) * DAY_MS - keepDays * DAY_MS;
      const { rows } = await query<{ folded: number }>({ text: FOLD_SQL, values: [before] });
      return rows[0]?.folded ?? 0;
    },
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}
