/**
 * `--ref` links on Slack. Files shared in Slack (`url_private`, permalinks) are downloaded with the bot
 * token — sent only to Slack's own hosts — checked by magic bytes, and handed to the provider as bytes.
 * Other links go to the provider as links; we never fetch them, and refuse private-network addresses.
 */
import { isIP } from 'node:net';
import type { webApi } from '@slack/bolt';
import { type Dispatcher, request } from 'undici';
import { ValidationError } from '../../core/errors.ts';
import { LIMITS, type Reference, sniffImageType } from '../../core/request.ts';

export interface SlackFileDeps {
  token: string;
  /** Hosts that may receive the bot token: files.slack.com and the configured API host. */
  slackHosts: ReadonlySet<string>;
  client: webApi.WebClient;
  dispatcher: Dispatcher;
}

export function slackHostsFor(apiUrl: string): Set<string> {
  return new Set(['files.slack.com', 'slack.com', new URL(apiUrl).host]);
}

export async function resolveSlackReferences(urls: string[], deps: SlackFileDeps): Promise<Reference[]> {
  const out: Reference[] = [];
  for (const [i, raw] of urls.entries()) {
    const option = `--ref ${i + 1}`;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationError(
        'REFERENCE_INVALID',
        option,
        'a link to an image (a Slack file or a public https link)',
        raw,
      );
    }
    const permalink = /\.slack\.com$/.test(url.hostname) && /\/files\/[^/]+\/(F[A-Z0-9]+)/.exec(url.pathname);
    if (permalink) {
      const info = (await deps.client.files.info({ file: permalink[1] as string }).catch(() => undefined)) as
        | { file?: { url_private?: string; name?: string } }
        | undefined;
      if (!info?.file?.url_private)
        throw new ValidationError(
          'REFERENCE_INVALID',
          option,
          'a Slack file the bot can see (share it in this channel)',
          raw,
        );
      out.push(await download(new URL(info.file.url_private), option, deps, info.file.name));
    } else if (deps.slackHosts.has(url.host)) {
      out.push(await download(url, option, deps));
    } else {
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        throw new ValidationError('REFERENCE_INVALID', option, 'an http(s) link to an image', raw);
      if (isPrivateHost(url.hostname))
        throw new ValidationError(
          'REFERENCE_INVALID',
          option,
          'a public link (not a private or local address)',
          url.hostname,
        );
      out.push({ kind: 'url', url: url.toString() });
    }
  }
  return out;
}

async function download(url: URL, option: string, deps: SlackFileDeps, name?: string): Promise<Reference> {
  if (!deps.slackHosts.has(url.host))
    throw new ValidationError('REFERENCE_INVALID', option, 'a file hosted by Slack', url.host);
  const res = await request(url, {
    method: 'GET',
    headers: { authorization: `Bearer ${deps.token}` },
    dispatcher: deps.dispatcher,
    maxRedirections: 0,
  } as Parameters<typeof request>[1]);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > LIMITS.referenceMaxBytes) {
      res.body.destroy();
      throw new ValidationError(
        'REFERENCE_INVALID',
        option,
        'images up to 20 MB',
        `${Math.round(size / 1024 / 1024)} MB or more`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  const data = Buffer.concat(chunks);
  const type = sniffImageType(data);
  if (res.statusCode !== 200 || !type) {
    // Without files:read Slack answers 200 with its HTML login page instead of the file.
    if (
      data.subarray(0, 200).toString('utf8').toLowerCase().includes('<!doctype html') ||
      data.subarray(0, 200).toString('utf8').toLowerCase().includes('<html')
    ) {
      throw new ValidationError(
        'REFERENCE_INVALID',
        option,
        'a Slack file the bot can read: the app needs the files:read scope (reinstall it from manifest.json)',
        'a login page instead of the file',
      );
    }
    throw new ValidationError(
      'REFERENCE_INVALID',
      option,
      'PNG, JPEG, WebP or GIF images',
      res.statusCode === 200 ? 'not an image' : `HTTP ${res.statusCode}`,
    );
  }
  const ref: Reference = { kind: 'bytes', data, contentType: type };
  const fileName = name ?? decodeURIComponent(url.pathname.split('/').pop() ?? '');
  if (fileName) ref.name = fileName;
  return ref;
}

export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal')
  )
    return true;
  const v = isIP(host);
  if (v === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (v === 6)
    return (
      host === '::1' ||
      host === '::' ||
      host.startsWith('fc') ||
      host.startsWith('fd') ||
      host.startsWith('fe80') ||
      host.startsWith('::ffff:')
    );
  return false;
}
