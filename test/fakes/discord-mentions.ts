/** How Discord reads `allowed_mentions`: what it refuses (400 Invalid Form Body) and whom a message pings. */
/** Message posts and edits: channel messages, webhook follow-ups and `@original`. */
export const MESSAGE_PATH =
  /^\/(?:channels\/\d+\/messages(?:\/\d+)?|webhooks\/\d+\/[^/]+(?:\/messages\/[^/]+)?)$/;
const MENTION_TYPES = new Set(['roles', 'users', 'everyone']);

/** Discord's checks of allowed_mentions, as its 400 says them; undefined when it is absent or valid. */
export function mentionsProblem(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object';
  const am = value as { parse?: unknown; users?: unknown; roles?: unknown };
  const list = (v: unknown) => v === undefined || (Array.isArray(v) && v.length <= 100);
  if (!list(am.parse) || !list(am.users) || !list(am.roles)) return 'lists of at most 100';
  const parse = (am.parse ?? []) as unknown[];
  if (parse.some((t) => !MENTION_TYPES.has(String(t)))) return 'parse takes roles, users, everyone';
  if (parse.includes('users') && (am.users as unknown[] | undefined)?.length)
    return 'parse:["users"] and users are mutually exclusive';
  if (parse.includes('roles') && (am.roles as unknown[] | undefined)?.length)
    return 'parse:["roles"] and roles are mutually exclusive';
  return undefined;
}

/** Who a message notifies: mentions in `content` that allowed_mentions lets through (all, when absent). */
export function wouldPing(b: Record<string, unknown>): string[] {
  const content = String(b.content ?? '');
  const am = b.allowed_mentions as { parse?: string[]; users?: string[]; roles?: string[] } | undefined;
  const parse = am ? (am.parse ?? []) : ['users', 'roles', 'everyone'];
  const who: string[] = [];
  for (const [, id] of content.matchAll(/<@!?(\d+)>/g))
    if (parse.includes('users') || am?.users?.includes(id as string)) who.push(`user ${id}`);
  for (const [, id] of content.matchAll(/<@&(\d+)>/g))
    if (parse.includes('roles') || am?.roles?.includes(id as string)) who.push(`role ${id}`);
  for (const [, all] of content.matchAll(/@(everyone|here)/g))
    if (parse.includes('everyone')) who.push(`@${all}`);
  return who;
}
