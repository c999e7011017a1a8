/**
 * Recent jobs of a member or a workspace, newest first (recall: `/flux history`, `/flux show <id>`).
 * Statements are prepared once per filter shape; a short id matches by prefix with `substr`, so the
 * characters LIKE treats specially need no escaping.
 */
import type Database from 'better-sqlite3';
import { toJob } from './sqlite-rows.ts';
import type { JobQuery, JobRow } from './types.ts';

export function createRecentJobs(db: Database.Database): (query: JobQuery, limit: number) => JobRow[] {
  const statements = new Map<string, Database.Statement>();
  return (query, limit) => {
    const sql =
      'SELECT * FROM jobs WHERE platform = @platform AND workspace_id IS @workspaceId' +
      (query.userId !== undefined ? ' AND user_id = @userId' : '') +
      (query.idPrefix !== undefined ? ' AND substr(id, 1, @prefixLength) = @idPrefix' : '') +
      ' ORDER BY created_at DESC, rowid DESC LIMIT @limit';
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      statements.set(sql, stmt);
    }
    const rows = stmt.all({
      platform: query.platform,
      workspaceId: query.workspaceId ?? null,
      userId: query.userId ?? null,
      idPrefix: query.idPrefix ?? null,
      prefixLength: query.idPrefix?.length ?? 0,
      limit: Math.max(0, Math.floor(limit)),
    }) as Record<string, unknown>[];
    return rows.map(toJob);
  };
}
