/**
 * Downloads a user-shared Slack file with the bot token. Redirects are followed by hand so the token
 * only ever travels to Slack-owned hosts; the bytes are capped, and checked by magic bytes, because
 * Slack answers a missing `files:read` scope with 200 and its HTML login page.
 */
import { type Dispatcher, request } from 'undici';
import { ValidationError } from '../../core/errors.ts';
import { LIMITS, type Reference, sniffImageType } from '../../core/request.ts';
import { isSlackFileUrl, isSlackRedirect, type SlackHosts } from './hosts.ts';

export interface DownloadDeps {
  token: string;
  hosts: SlackHosts;
  dispatcher: Dispatcher;
}

const MAX_REDIRECTS = 3;

/** Every way a Slack file cannot be read ends in this one answer: the member can act on both causes. */
export const CANNOT_READ =
  'a file the bot can read: is it shared in this channel? is files:read granted (reinstall the app from manifest.json)?';

export async function downloadSlackFile(
  start: URL,
  option: string,
  deps: DownloadDeps,
  name?: string,
): Promise<Reference> {
  if (!isSlackFileUrl(start, deps.hosts))
    throw new ValidationError('REFERENCE_INVALID', option, 'a file hosted by Slack', start.host);
  let url = start;
  for (let hop = 0; ; hop++) {
    const res = await request(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${deps.token}` },
      dispatcher: deps.dispatcher,
    });
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      await res.body.dump();
      const next = new URL(location, url);
      if (hop >= MAX_REDIRECTS || !isSlackRedirect(next, deps.hosts))
        throw new ValidationError(
          'REFERENCE_INVALID',
          option,
          'a Slack file the bot can download',
          `a redirect to ${next.host}`,
        );
      url = next;
      continue;
    }
    return toReference(res, option, fileName(name, start));
  }
}

async function toReference(
  res: Dispatcher.ResponseData,
  option: string,
  name: string | undefined,
): Promise<Reference> {
  const declared = Number(res.headers['content-length'] ?? 0);
  if (declared > LIMITS.referenceMaxBytes) {
    await res.body.dump();
    throw tooLarge(option, declared);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > LIMITS.referenceMaxBytes) {
      res.body.destroy();
      throw tooLarge(option, size);
    }
    chunks.push(chunk as Buffer);
  }
  const data = Buffer.concat(chunks);
  const type = res.statusCode === 200 ? sniffImageType(data) : undefined;
  if (!type) {
    const head = data.subarray(0, 512).toString('utf8').toLowerCase();
    if (head.includes('<!doctype html') || head.includes('<html'))
      throw new ValidationError('REFERENCE_INVALID', option, CANNOT_READ, 'a login page instead of the file');
    if (res.statusCode !== 200)
      throw new ValidationError('REFERENCE_INVALID', option, CANNOT_READ, `HTTP ${res.statusCode}`);
    throw new ValidationError('REFERENCE_INVALID', option, 'PNG, JPEG, WebP or GIF images', 'not an image');
  }
  const ref: Reference = { kind: 'bytes', data, contentType: type };
  if (name) ref.name = name;
  return ref;
}

function tooLarge(option: string, bytes: number): ValidationError {
  const mb = Math.round(LIMITS.referenceMaxBytes / 1024 / 1024);
  return new ValidationError(
    'REFERENCE_INVALID',
    option,
    `images up to ${mb} MB`,
    `${Math.round(bytes / 1024 / 1024)} MB or more`,
  );
}

function fileName(name: string | undefined, url: URL): string | undefined {
  if (name) return name;
  try {
    return decodeURIComponent(url.pathname.split('/').pop() ?? '') || undefined;
  } catch {
    return undefined; // a malformed %-escape: the name is only cosmetic
  }
}
