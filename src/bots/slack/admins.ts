/**
 * Workspace admins and owners (users.info) may manage other members' jobs and the workspace's settings.
 * Looked up only when a payload needs it (buttons, usage, admin), cached for a while; a failed lookup is
 * not cached, so a Slack hiccup does not demote an admin for ten minutes.
 *
 * `is_admin`/`is_owner` describe the user's own team. In a Slack Connect channel an admin of ANOTHER
 * workspace (T2) can run commands in a channel the bot serves for T1; their flags say nothing about T1.
 * So admin rights count only when the user's `team_id` is the workspace the action applies to.
 *
 * Enterprise Grid: `enterprise_user.is_admin`/`is_owner` make an org admin, not an admin of each
 * workspace, and a Grid member's `team_id` may name another workspace of the org. Neither widens the
 * rule: an org admin acting outside their `team_id` is a member here, and FLUX_ADMIN_USERS is the way
 * to give them settings rights.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.ts';

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

export type AdminLookup = (userId: string, workspaceId: string | undefined) => Promise<boolean>;

export function createAdminLookup(
  client: webApi.WebClient,
  logger: Logger,
  now: () => number = Date.now,
): AdminLookup {
  const cache = new Map<string, { admin: boolean; team: string | undefined; expires: number }>();
  const lookup = async (userId: string) => {
    const hit = cache.get(userId);
    if (hit && hit.expires > now()) return hit;
    const info = await client.users.info({ user: userId });
    const entry = {
      admin: Boolean(info.user?.is_admin || info.user?.is_owner),
      team: info.user?.team_id,
      expires: now() + TTL_MS,
    };
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(userId, entry);
    return entry;
  };
  return async (userId, workspaceId) => {
    if (!workspaceId) return false;
    try {
      const { admin, team } = await lookup(userId);
      return admin && team === workspaceId;
    } catch (err) {
      logger.warn({ code: (err as { data?: { error?: string } }).data?.error }, 'users.info failed');
      return false;
    }
  };
}
