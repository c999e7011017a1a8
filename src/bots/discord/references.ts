/**
 * References on Discord are links Discord itself gave us (attachments of the command, of a message,
 * of our own results). They stay links for the provider to fetch: we never download them, and never
 * with a credential. Discord's CDN links are signed and expire after about a day, so a link near its
 * end (a "Use as reference" pressed tomorrow) is first exchanged for a fresh one through Discord's API.
 */
import type { REST } from 'discord.js';
import { ValidationError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Reference } from '../../core/request.ts';

/** A queued job may wait a while before the provider fetches its references: refresh with room to spare. */
const REFRESH_MARGIN_MS = 60 * 60_000;

/** When a signed Discord attachment link stops working (`ex`, hex seconds), or undefined for other links. */
export function signedLinkExpiry(url: string): number | undefined {
  try {
    const u = new URL(url);
    const ex = u.searchParams.get('ex');
    if (!/\/attachments\/\d+\/\d+\//.test(u.pathname) || !ex || !u.searchParams.has('hm')) return undefined;
    const seconds = Number.parseInt(ex, 16);
    return Number.isFinite(seconds) ? seconds * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export async function resolveDiscordReferences(
  refs: string[],
  deps: { rest: REST; logger: Logger; now: () => number },
): Promise<Reference[]> {
  const urls = refs.map((ref, i) => {
    if (!/^https?:\/\/\S+$/i.test(ref))
      throw new ValidationError('REFERENCE_INVALID', `reference ${i + 1}`, 'a link to an image', ref);
    return ref;
  });
  const stale = urls.filter((u) => {
    const expiry = signedLinkExpiry(u);
    return expiry !== undefined && expiry - deps.now() < REFRESH_MARGIN_MS;
  });
  const fresh = stale.length ? await refresh(stale, deps) : new Map<string, string>();
  return urls.map((url) => ({ kind: 'url', url: fresh.get(url) ?? url }));
}

async function refresh(urls: string[], deps: { rest: REST; logger: Logger }): Promise<Map<string, string>> {
  try {
    const answer = (await deps.rest.post('/attachments/refresh-urls', {
      body: { attachment_urls: urls },
    })) as { refreshed_urls?: Array<{ original: string; refreshed: string }> };
    return new Map((answer.refreshed_urls ?? []).map((r) => [r.original, r.refreshed]));
  } catch (err) {
    // The old link goes on: the provider's own error then says the image could not be fetched.
    deps.logger.warn({ err, count: urls.length }, 'could not refresh expiring attachment links');
    return new Map();
  }
}
