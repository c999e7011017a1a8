/**
 * The SQLite schema as numbered migrations, tracked in `PRAGMA user_version`. Append; never edit a
 * migration that has shipped. Migration 1 uses IF NOT EXISTS so files made before versioning adopt it.
 */
import type Database from 'better-sqlite3';
import { TOTALS_MIGRATION } from './sqlite-retention.ts';

const MIGRATIONS: readonly string[] = [
  `
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
CREATE INDEX IF NOT EXISTS jobs_spend ON jobs(platform, workspace_id, created_at);
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
CREATE INDEX IF NOT EXISTS tasks_provider ON tasks(provider_task_id) WHERE provider_task_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS settings (
  platform TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (platform, workspace_id)
);
`,
  // Requests already acted on (Discord interaction ids, Slack deliveries), so a replay or a retry
  // starts nothing twice, across restarts.
  `
CREATE TABLE seen_requests (
  key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX seen_requests_expiry ON seen_requests(expires_at);
`,
  TOTALS_MIGRATION,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the file up to SCHEMA_VERSION. Each step runs in its own write transaction and re-reads the
 * version inside it, so two processes opening the same file at once apply each step exactly once.
 */
export function migrate(db: Database.Database): void {
  for (;;) {
    const applied = db
      .transaction(() => {
        const version = db.pragma('user_version', { simple: true }) as number;
        if (version > SCHEMA_VERSION)
          throw new Error(`store schema ${version} is newer than this program (${SCHEMA_VERSION})`);
        const step = MIGRATIONS[version];
        if (step === undefined) return false;
        db.exec(step);
        db.pragma(`user_version = ${version + 1}`);
        return true;
      })
      .immediate();
    if (!applied) return;
  }
}
