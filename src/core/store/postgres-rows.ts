/**
 * What the Postgres store reads a job as: its columns, its tasks beside it as one JSON column, and the
 * task start that returns both. Shared by every read of a job (postgres.ts, recentJobsQuery).
 */

/**
 * The jobs columns a job is read from (toJob). Named rather than `*`: a statement is prepared once per
 * connection, and Postgres refuses to run a prepared statement whose result columns a later migration
 * (another process's, mid rolling deploy) changed ("cached plan must not change result type").
 */
export const JOB_COLUMNS =
  'jobs.id, jobs.state, jobs.request, jobs.origin, jobs.delivery, jobs.parent_id, jobs.estimate, jobs.cost, jobs.created_at, jobs.started_at, jobs.finished_at, jobs.error';
/** A task's columns without its image (bytes are read only to deliver them). */
export const TASK_COLUMNS = 'job_id, idx, seed, state, submitted, cost, cost_estimated, error, image_type';
/**
 * A job's tasks as one JSON array column beside the job's row (BIGINTs as JSON numbers: ours stay below
 * 2^53), so the request (reference bytes and all) is sent once, not once per task as a join would.
 */
export const TASK_ROWS = `(SELECT COALESCE(json_agg(t ORDER BY t.idx), '[]') FROM (SELECT ${TASK_COLUMNS} FROM tasks WHERE job_id = jobs.id) t) AS task_rows`;

/**
 * A task's start as one statement ($1 job, $2 task index, $3 startedAt): the task to submitting, the
 * job to running only while it is queued. Racing starts of one job queue on its row lock, and in READ
 * COMMITTED the later one checks `state = 'queued'` again on the row as the first left it: one moves
 * it. The job's change reads the task's (EXISTS), so the task's row is locked before the job's, the
 * order every other statement that writes both keeps. The SELECT sees the statement's snapshot, from
 * before both changes: the caller applies them to what it returns.
 */
export const START_TASK_SQL = `
WITH submitting AS (
  UPDATE tasks SET state = 'submitting' WHERE job_id = $1 AND idx = $2 RETURNING idx
), moved AS (
  UPDATE jobs SET state = 'running', started_at = $3::bigint
  WHERE id = $1 AND state = 'queued' AND EXISTS (SELECT 1 FROM submitting) RETURNING id
)
SELECT EXISTS (SELECT 1 FROM moved) AS started, ${JOB_COLUMNS}, ${TASK_ROWS} FROM jobs WHERE id = $1`;
