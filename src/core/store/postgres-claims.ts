/**
 * Claims in Postgres (`seen_requests`): a platform request id acted on once, a ready job's delivery held
 * by one process. Each call is one statement, so processes racing for one key settle it in Postgres.
 */
import type { QueryResult } from 'pg';
import type { AsyncStore } from './port.ts';
import type { Query } from './postgres-sql.ts';

export function postgresClaims(
  query: (q: Query) => Promise<QueryResult>,
): Pick<AsyncStore, 'claimOnce' | 'extendClaims'> {
  let claimsSincePurge = 0;
  return {
    async claimOnce(key, expiresAt) {
      const now = Date.now();
      if (++claimsSincePurge >= 1000) {
        claimsSincePurge = 0;
        await query({ text: 'DELETE FROM seen_requests WHERE expires_at <= $1', values: [now] });
      }
      // A racing claim of the same key waits on the row and then sees it live: one of them wins.
      const { rowCount } = await query({
        text:
          'INSERT INTO seen_requests (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE' +
          ' SET expires_at = excluded.expires_at WHERE seen_requests.expires_at <= $3',
        values: [key, expiresAt, now],
      });
      return rowCount === 1;
    },
    async extendClaims(keys, expiresAt) {
      if (!keys.length) return;
      // A claim that lapsed meanwhile is left alone: it may be another process's by now.
      await query({
        text: 'UPDATE seen_requests SET expires_at = $1 WHERE key = ANY($2::text[]) AND expires_at > $3',
        values: [expiresAt, keys, Date.now()],
      });
    },
  };
}
