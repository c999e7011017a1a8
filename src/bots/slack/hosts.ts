/**
 * Which hosts may see the bot token, and which user links we refuse outright. The token goes only to
 * Slack's file host, and only for file paths: the API host would also accept it on a GET, so a `--ref`
 * pointing at `/api/chat.delete?…` must never be fetched with it.
 */
import { isIP } from 'node:net';

export interface SlackHosts {
  /** Hosts where a user-shared file (`/files-pri/…`) may be downloaded with the bot token. */
  files: ReadonlySet<string>;
  /** The configured API host (http allowed there: it is the loopback fake in tests). */
  api: string;
}

export function slackHostsFor(apiUrl: string): SlackHosts {
  const api = new URL(apiUrl);
  const files = new Set(['files.slack.com', api.host]);
  // GovSlack and other deployments serve files from files.<their API domain>.
  if (!isIP(api.hostname) && api.hostname !== 'localhost') files.add(`files.${api.hostname}`);
  return { files, api: api.host };
}

/** A link to a user-shared Slack file we may fetch with the bot token. */
export function isSlackFileUrl(url: URL, hosts: SlackHosts): boolean {
  return (
    hosts.files.has(url.host) &&
    (url.protocol === 'https:' || url.host === hosts.api) &&
    !url.username &&
    !url.password &&
    /^\/files-(pri|tmb)\//.test(url.pathname)
  );
}

/**
 * Where Slack itself may redirect a file download (its CDN, a login page): Slack-owned https hosts,
 * which may see the token; anything else is not followed.
 */
export function isSlackRedirect(url: URL, hosts: SlackHosts): boolean {
  if (url.username || url.password) return false;
  if (url.host === hosts.api) return true;
  const h = url.hostname;
  return (
    url.protocol === 'https:' &&
    (h === 'slack.com' || h.endsWith('.slack.com') || h.endsWith('.slack-edge.com'))
  );
}

/** Any Slack-operated host: a link there that is not a file is not an image the provider could fetch. */
export function isSlackHost(url: URL, hosts: SlackHosts): boolean {
  const h = url.hostname;
  return hosts.files.has(url.host) || url.host === hosts.api || h === 'slack.com' || h.endsWith('.slack.com');
}

/**
 * Loopback, private, link-local and carrier-grade NAT addresses, and names that only resolve inside a
 * network. WHATWG URL parsing has already normalised decimal and hex IPv4 forms (`http://2130706433`).
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const v = isIP(host);
  if (v === 6) return isPrivateV6(host);
  if (v === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      a >= 224
    );
  }
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal') ||
    // A bare intranet name ("intranet", "metadata") only resolves inside a network.
    !host.includes('.')
  );
}

function isPrivateV6(host: string): boolean {
  return (
    host === '::1' ||
    host === '::' ||
    host.startsWith('fc') ||
    host.startsWith('fd') ||
    host.startsWith('fe80') ||
    // IPv4-mapped and -translated forms could point anywhere, loopback included.
    host.startsWith('::ffff:') ||
    host.startsWith('64:ff9b:')
  );
}
