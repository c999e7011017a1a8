/**
 * Workspace admins and owners (users.info) may manage other members' jobs and the workspace's settings;
 * the same call says the member's language. Cached for a while; a failed lookup is not cached, so a
 * Slack hiccup does not demote an admin for ten minutes.
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

/** What users.info says of a member: admin of which team, and their Slack language (`user.locale`). */
export interface MemberInfo {
  admin: boolean;
  team: string | undefined;
  locale: string | undefined;
}

/**
 * One users.info call (with `include_locale`) per member per ten minutes answers both what rights they
 * have and which language they read. Rejects when Slack does not answer; nothing is cached then.
 */
export function createMemberLookup(
  client: webApi.WebClient,
  now: () => number = Date.now,
): (userId: string) => Promise<MemberInfo> {
  const cache = new Map<string, MemberInfo & { expires: number }>();
  return async (userId) => {
    const hit = cache.get(userId);
    if (hit && hit.expires > now()) return hit;
    const info = await client.users.info({ user: userId, include_locale: true });
    const entry = {
      admin: Boolean(info.user?.is_admin || info.user?.is_owner),
      team: info.user?.team_id,
      locale: info.user?.locale,
      expires: now() + TTL_MS,
    };
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(userId, entry);
    return entry;
  };
}

export function createAdminLookup(
  client: webApi.WebClient,
  logger: Logger,
  now: () => number = Date.now,
  lookup = createMemberLookup(client, now),
): AdminLookup {
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

/**
 * The member's Slack language, or undefined (then the workspace default applies). Waits at most
 * `waitMs`: a slow users.info must not hold the first answer; the lookup still fills the cache.
 */
export function createLocaleLookup(
  lookup: (userId: string) => Promise<MemberInfo>,
  logger: Logger,
  waitMs = 1_500,
): (userId: string) => Promise<string | undefined> {
  return async (userId) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, waitMs, undefined);
      timer.unref();
    });
    const asked = lookup(userId).then(
      (info) => info.locale,
      (err: unknown) => {
        logger.warn({ code: (err as { data?: { error?: string } }).data?.error }, 'users.info failed');
        return undefined;
      },
    );
    try {
      return await Promise.race([asked, late]);
    } finally {
      clearTimeout(timer);
    }
  };
}
