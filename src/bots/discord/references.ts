/**
 * References on Discord are links: Discord's own (attachments of the command, of a message, of our
 * results) and links typed in a form's options, which must pass checkReferenceUrl. They stay links for
 * the provider to fetch, never sent with a credential. Discord's CDN links are signed and expire after
 * about a day, so a link near its end (a "Use as reference" pressed tomorrow) is first exchanged for a
 * fresh one through Discord's API, then checked to still answer with an image before anything is spent.
 */
import type { REST } from 'discord.js';
import type { Dispatcher } from 'undici';
import type { Logger } from '../../core/logger.ts';
import { probeReference } from '../../core/reference-probe.ts';
import { checkReferenceUrl } from '../../core/reference-url.ts';
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

/**
 * How the bot reaches Discord's own attachment links: the hosts that serve them, its dispatcher, and the
 * one for anywhere else a link redirects to (createHttp's `links`).
 */
export interface AttachmentAccess {
  hosts: ReadonlySet<string>;
  dispatcher: Dispatcher;
  links: Dispatcher;
}

/** Discord's CDN hosts, and the configured API host (which serves them in a test or a proxy setup). */
export function attachmentAccess(
  apiBase: string,
  http: { dispatcher: Dispatcher; links: Dispatcher },
): AttachmentAccess {
  return {
    hosts: new Set(['cdn.discordapp.com', 'media.discordapp.net', new URL(apiBase).host]),
    dispatcher: http.dispatcher,
    links: http.links,
  };
}

export interface ReferenceDeps {
  rest: REST;
  logger: Logger;
  now: () => number;
  attachments: AttachmentAccess;
}

const GONE = 'an image that is still posted on Discord (was the message deleted?)';

export async function resolveDiscordReferences(refs: string[], deps: ReferenceDeps): Promise<Reference[]> {
  const { hosts } = deps.attachments;
  const urls = refs.map(
    (ref, i) => checkReferenceUrl(ref, { option: `reference ${i + 1}`, trustedHosts: hosts }).href,
  );
  const stale = urls.filter((u) => {
    const expiry = signedLinkExpiry(u);
    return expiry !== undefined && expiry - deps.now() < REFRESH_MARGIN_MS;
  });
  const fresh = stale.length ? await refresh(stale, deps) : new Map<string, string>();
  const out = urls.map((url) => fresh.get(url) ?? url);
  // Discord's own links are checked before anything is spent (a deleted result answers 404). Other links
  // are never fetched by the bot: the provider fetches them.
  await Promise.all(
    out.map(async (url, i) => {
      const parsed = new URL(url);
      if (hosts.has(parsed.host))
        await probeReference(parsed, {
          dispatcher: deps.attachments.dispatcher,
          links: deps.attachments.links,
          option: `reference ${i + 1}`,
          trustedHosts: hosts,
          allowed: GONE,
        });
    }),
  );
  return out.map((url) => ({ kind: 'url', url }));
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
