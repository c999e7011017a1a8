/**
 * Which hosts may see the bot token; links to anywhere else follow core's checkReferenceUrl. The token
 * goes only to Slack's file host, and only for file paths: the API host would also accept it on a GET,
 * so a `--ref` pointing at `/api/chat.delete?…` must never be fetched with it.
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
