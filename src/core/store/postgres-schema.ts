/**
 * The Postgres schema as numbered migrations, recorded in `schema_migrations`. Append; never edit a
 * migration that has shipped. The tables mirror SQLite's (sqlite-schema.ts, sqlite-retention.ts) so both
 * adapters share one row mapping (sqlite-rows.ts): JSON as text, times as epoch milliseconds, money
 * as integer micros. Additions: `model` (so spend groups without parsing the request) and `seq` (the
 * insertion order that SQLite's rowid gives for free).
 */
import type { Pool } from 'pg';

const MIGRATIONS: readonly string[] = [
  `
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  state TEXT NOT NULL,
  request TEXT NOT NULL,
  origin TEXT NOT NULL,
  delivery TEXT NOT NULL,
  parent_id TEXT,
  platform TEXT NOT NULL,
  workspace_id TEXT,
  channel_id TEXT,
  user_id TEXT NOT NULL,
  model TEXT NOT NULL,
  estimate BIGINT NOT NULL,
  cost BIGINT,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  error TEXT
);
CREATE INDEX jobs_unfinished ON jobs(created_at, seq) WHERE state IN ('awaiting_confirmation', 'queued', 'running', 'ready');
CREATE INDEX jobs_spend ON jobs(platform, workspace_id, created_at);
CREATE INDEX jobs_created ON jobs(created_at);
CREATE TABLE tasks (
  job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  seed BIGINT NOT NULL,
  state TEXT NOT NULL,
  submitted TEXT,
  provider_task_id TEXT,
  cost BIGINT,
  cost_estimated BOOLEAN,
  error TEXT,
  image BYTEA,
  image_type TEXT,
  PRIMARY KEY (job_id, idx)
);
CREATE INDEX tasks_provider ON tasks(provider_task_id) WHERE provider_task_id IS NOT NULL;
CREATE TABLE settings (
  platform TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (platform, workspace_id)
);
CREATE TABLE seen_requests (
  key TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
CREATE INDEX seen_requests_expiry ON seen_requests(expires_at);
CREATE TABLE job_totals (
  platform TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  day TEXT NOT NULL,
  model TEXT NOT NULL,
  micros BIGINT NOT NULL,
  jobs BIGINT NOT NULL,
  PRIMARY KEY (platform, workspace_id, day, user_id, channel_id, model)
);
`,
];

export const PG_SCHEMA_VERSION = MIGRATIONS.length;

/** Any constant will do, as long as nothing else in the database takes the same advisory lock. */
const MIGRATION_LOCK = 0x666c_7578_0001;

/**
 * Brings the database up to PG_SCHEMA_VERSION. Everything happens in one transaction that first takes
 * a transaction-scoped advisory lock: processes starting together queue on it, and each finds the
 * work done by the one before. Transaction-scoped rather than a session `pg_advisory_lock`, so a
 * process that dies mid-way (or a pooled connection reused after an error) cannot leave it held.
 * Postgres DDL is transactional: a failed migration leaves the database as it was.
 */
export async function migrate(pool: Pool): Promise<void> {
  const client = await pool.connect();
  let failed: unknown;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ v: number }>(
      'SELECT COALESCE(MAX(version), 0)::integer AS v FROM schema_migrations',
    );
    const version = rows[0]?.v ?? 0;
    if (version > PG_SCHEMA_VERSION)
      throw new Error(`store schema ${version} is newer than this program (${PG_SCHEMA_VERSION})`);
    for (let v = version; v < PG_SCHEMA_VERSION; v++) {
      await client.query(MIGRATIONS[v] as string);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v + 1]);
    }
    await client.query('COMMIT');
  } catch (err) {
    failed = err;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    // A connection whose rollback may not have landed is not given back for reuse.
    client.release(failed instanceof Error ? failed : undefined);
  }
}
