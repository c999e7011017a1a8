/**
 * SQL text for the Postgres store, built per filter shape with numbered parameters. Spend reads the
 * live jobs plus the folded daily totals in one statement, so it sees one snapshot: a fold committing
 * meanwhile is counted either wholly before or wholly after, never twice or not at all.
 */
import type { SpendFilter } from '../budgets.ts';
import type { StoreWrite } from './port.ts';
import { JOB_COLUMNS } from './postgres-rows.ts';
import { jobColumns, serializeRequest, taskColumns } from './sqlite-rows.ts';
import type { JobQuery, JobRow, TaskRow } from './types.ts';

const DAY_MS = 86_400_000;
const FINAL_STATES = "('delivered', 'failed', 'cancelled', 'needs_review', 'undeliverable')";
/** A job's money: its settled cost once known, else its estimate (reserved while it is unfinished). */
const MONEY = 'COALESCE(cost, estimate)';
/** The UTC day of an epoch-milliseconds expression, as SQLite's strftime('%Y-%m-%d') writes it. */
const utcDay = (ms: string) => `to_char(DATE '1970-01-01' + ((${ms}) / ${DAY_MS})::integer, 'YYYY-MM-DD')`;

export interface Query {
  text: string;
  values: unknown[];
}

/** Collects values and hands back their `$n` placeholders. */
function params() {
  const values: unknown[] = [];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  return { values, p };
}

/** Live-row conditions: a job without a workspace (a DM) matches only a filter without one. */
function liveWhere(p: (v: unknown) => string, filter: SpendFilter, since: number): string {
  return (
    `platform = ${p(filter.platform)}` +
    (filter.workspaceId === undefined
      ? ' AND workspace_id IS NULL'
      : ` AND workspace_id = ${p(filter.workspaceId)}`) +
    ` AND created_at >= ${p(since)}::bigint` +
    (filter.channelId ? ` AND channel_id = ${p(filter.channelId)}` : '') +
    (filter.userId ? ` AND user_id = ${p(filter.userId)}` : '')
  );
}

/**
 * Folded-row conditions: whole UTC days at or after `since`. History is kept far longer than any
 * budget window or chart, so a folded day never straddles `since` in practice; when it would, it is
 * left out rather than counted twice (as in sqlite-retention.ts).
 */
function foldedWhere(p: (v: unknown) => string, filter: SpendFilter, since: number): string {
  return (
    `platform = ${p(filter.platform)} AND workspace_id = ${p(filter.workspaceId ?? '')}` +
    ` AND day >= ${utcDay(`${p(since)}::bigint + ${DAY_MS - 1}`)}` +
    (filter.channelId ? ` AND channel_id = ${p(filter.channelId)}` : '') +
    (filter.userId ? ` AND user_id = ${p(filter.userId)}` : '')
  );
}

export function spentQuery(filter: SpendFilter, since: number): Query {
  const { values, p } = params();
  const live = `SELECT COALESCE(SUM(${MONEY}), 0) FROM jobs WHERE ${liveWhere(p, filter, since)}`;
  const folded = `SELECT COALESCE(SUM(micros), 0) FROM job_totals WHERE ${foldedWhere(p, filter, since)}`;
  return { text: `SELECT ((${live}) + (${folded}))::bigint AS micros`, values };
}

export function breakdownQuery(
  filter: { platform: SpendFilter['platform']; workspaceId?: string; userId?: string },
  since: number,
): Query {
  const { values, p } = params();
  const live = `SELECT ${utcDay('created_at')} AS day, model, user_id, ${MONEY} AS micros FROM jobs WHERE ${liveWhere(p, filter, since)}`;
  const folded = `SELECT day, model, user_id, micros FROM job_totals WHERE ${foldedWhere(p, filter, since)}`;
  return {
    text:
      `SELECT day, model, user_id AS "userId", SUM(micros)::bigint AS micros FROM (${live} UNION ALL ${folded}) AS spend` +
      ' GROUP BY day, model, user_id ORDER BY day, model COLLATE "C", user_id COLLATE "C"',
    values,
  };
}

/**
 * Deletes finished jobs created before `$1` and adds them to the totals, in one statement. The totals
 * are built from what the DELETE returned, so two processes folding at once cannot count a job twice:
 * the second DELETE waits for the first, then skips the rows it removed.
 */
export const FOLD_SQL = `
WITH gone AS (
  DELETE FROM jobs WHERE created_at < $1::bigint AND state IN ${FINAL_STATES}
  RETURNING platform, workspace_id, channel_id, user_id, created_at, model, cost, estimate
), added AS (
  INSERT INTO job_totals (platform, workspace_id, channel_id, user_id, day, model, micros, jobs)
  SELECT platform, COALESCE(workspace_id, ''), COALESCE(channel_id, ''), user_id, ${utcDay('created_at')}, model,
    SUM(${MONEY}), COUNT(*)
  FROM gone GROUP BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (platform, workspace_id, day, user_id, channel_id, model)
  DO UPDATE SET micros = job_totals.micros + excluded.micros, jobs = job_totals.jobs + excluded.jobs
)
SELECT COUNT(*) AS folded FROM gone`;

export function insertJobQuery(job: JobRow): Query {
  const columns: Array<[string, unknown]> = [
    ['id', job.id],
    ['state', job.state],
    ['request', serializeRequest(job.request)],
    ['origin', JSON.stringify(job.origin)],
    ['delivery', JSON.stringify(job.delivery)],
    ['parent_id', job.parentId ?? null],
    ['platform', job.origin.platform],
    ['workspace_id', job.origin.workspaceId ?? null],
    ['channel_id', job.origin.channelId ?? null],
    ['user_id', job.origin.userId],
    ['model', job.request.model],
    ['estimate', job.estimateMicros],
    ['cost', job.costMicros ?? null],
    ['created_at', job.createdAt],
    ['started_at', job.startedAt ?? null],
    ['finished_at', job.finishedAt ?? null],
    ['error', job.error ? JSON.stringify(job.error) : null],
  ];
  const { values, p } = params();
  const placeholders = columns.map(([, v]) => p(v)).join(', ');
  return {
    text: `INSERT INTO jobs (${columns.map(([c]) => c).join(', ')}) VALUES (${placeholders})`,
    values,
  };
}

/** All tasks of a job in one statement: one round trip whatever the count. */
export function insertTasksQuery(jobId: string, tasks: TaskRow[]): Query {
  return {
    text:
      'INSERT INTO tasks (job_id, idx, seed, state) SELECT $1, idx, seed, state' +
      ' FROM unnest($2::integer[], $3::bigint[], $4::text[]) AS t(idx, seed, state)',
    values: [jobId, tasks.map((t) => t.index), tasks.map((t) => t.seed), tasks.map((t) => t.state)],
  };
}

/**
 * Several writes as one statement (the others as data-modifying WITH queries, which Postgres always runs
 * to the end): all or none without BEGIN and COMMIT. Only for writes that touch different rows — one
 * statement changing a row twice applies one of the changes, unpredictably. Our texts carry `$n` only
 * as placeholders, so each query's are renumbered after the ones before it.
 */
export function oneStatement(queries: Query[]): Query {
  const values: unknown[] = [];
  const texts = queries.map((q) => {
    const offset = values.length;
    values.push(...q.values);
    return q.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  });
  const main = texts.pop() ?? '';
  const before = texts.map((t, i) => `w${i} AS (${t})`);
  return { text: before.length ? `WITH ${before.join(', ')} ${main}` : main, values };
}

/** One UPDATE for a patch's columns (sqlite-rows.ts decides which), with extra WHERE conditions. */
export function updateQuery(
  table: 'jobs' | 'tasks',
  columns: Array<[string, unknown]>,
  where: Array<[string, unknown]>,
): Query {
  const { values, p } = params();
  const set = columns.map(([c, v]) => `${c} = ${p(v)}`).join(', ');
  return {
    text: `UPDATE ${table} SET ${set} WHERE ${where.map(([c, v]) => `${c} = ${p(v)}`).join(' AND ')}`,
    values,
  };
}

/** The statement of one change of an atomic `write` (none for a patch with nothing to set). */
export function writeQuery(w: StoreWrite): Query | undefined {
  if (w.kind === 'dropImages')
    return { text: 'UPDATE tasks SET image = NULL WHERE job_id = $1', values: [w.jobId] };
  if (w.kind === 'job') {
    const columns = jobColumns(w.patch);
    return columns.length ? updateQuery('jobs', columns, [['id', w.id]]) : undefined;
  }
  const columns = taskColumns(w.patch);
  const where: Array<[string, unknown]> = [
    ['job_id', w.jobId],
    ['idx', w.index],
  ];
  if (w.ifState) where.push(['state', w.ifState]);
  return columns.length ? updateQuery('tasks', columns, where) : undefined;
}

/**
 * Merges a patch into a job's delivery record in one statement, as `{ ...delivery, ...patch }` written as
 * JSON would: keys JSON leaves out (`undefined`) are removed, the rest replace theirs whole (jsonb's `||`
 * is shallow, unlike json_patch). Racing patches of one job queue on its row lock, and in READ COMMITTED
 * each is applied to the row as the one before left it, so none is lost. jsonb writes the record back
 * in its own key order and spacing; it reads back as the same object. (jsonb refuses NUL characters in
 * strings: delivery records hold ids, tokens and URLs.)
 */
export function patchDeliveryQuery(id: string, patch: Record<string, unknown>): Query {
  const json = JSON.stringify(patch);
  const kept = JSON.parse(json) as Record<string, unknown>;
  const removed = Object.keys(patch).filter((k) => !Object.hasOwn(kept, k));
  return {
    text: 'UPDATE jobs SET delivery = ((delivery::jsonb - $1::text[]) || $2::jsonb)::text WHERE id = $3',
    values: [removed, json, id],
  };
}

/** Recent jobs of a member or a workspace, newest first; a short id matches by prefix (no LIKE escaping). */
export function recentJobsQuery(query: JobQuery, limit: number): Query {
  const { values, p } = params();
  const where =
    `platform = ${p(query.platform)}` +
    (query.workspaceId === undefined
      ? ' AND workspace_id IS NULL'
      : ` AND workspace_id = ${p(query.workspaceId)}`) +
    (query.userId !== undefined ? ` AND user_id = ${p(query.userId)}` : '') +
    (query.idPrefix !== undefined
      ? ` AND left(id, ${p(query.idPrefix.length)}::integer) = ${p(query.idPrefix)}`
      : '');
  return {
    text: `SELECT ${JOB_COLUMNS} FROM jobs WHERE ${where} ORDER BY created_at DESC, seq DESC LIMIT ${p(Math.max(0, Math.floor(limit)))}::integer`,
    values,
  };
}
