/**
 * Workspace admins and owners (users.info) may manage other members' jobs. Looked up only when a
 * payload needs it (buttons, usage, admin), cached for a while; a failed lookup is not cached, so a
 * Slack hiccup does not demote an admin for ten minutes.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.ts';

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

export function createAdminLookup(
  client: webApi.WebClient,
  logger: Logger,
  now: () => number = Date.now,
): (userId: string) => Promise<boolean> {
  const cache = new Map<string, { admin: boolean; expires: number }>();
  return async (userId) => {
    const hit = cache.get(userId);
    if (hit && hit.expires > now()) return hit.admin;
    try {
      const info = await client.users.info({ user: userId });
      const admin = Boolean(info.user?.is_admin || info.user?.is_owner);
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(userId, { admin, expires: now() + TTL_MS });
      return admin;
    } catch (err) {
      logger.warn({ code: (err as { data?: { error?: string } }).data?.error }, 'users.info failed');
      return false;
    }
  };
}
