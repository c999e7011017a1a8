/**
 * Whether a reference link still answers with an image, asked before a job is queued: a generation must
 * never run (and be paid for) without a reference the member asked for. Only the first bytes are read,
 * no credential is ever sent, and each redirect is checked like the link itself.
 */
import { type Dispatcher, request } from 'undici';
import { ValidationError } from './errors.ts';
import { discard } from './providers/download.ts';
import { checkReferenceUrl, type ReferenceUrlOptions } from './reference-url.ts';
import { sniffImageType } from './request.ts';

const SNIFF_BYTES = 12;
const MAX_REDIRECTS = 3;

export interface ProbeOptions extends ReferenceUrlOptions {
  /** For the trusted hosts (the platform's own). */
  dispatcher: Dispatcher;
  /** For any other host a link leads to: refuses names that resolve inside a network (public-links.ts). */
  links: Dispatcher;
  /** What the member is told the bot needs, e.g. "an image that is still posted". */
  allowed: string;
}

export async function probeReference(start: URL, options: ProbeOptions): Promise<void> {
  const option = options.option ?? 'reference';
  const refuse = (got: string) => new ValidationError('REFERENCE_INVALID', option, options.allowed, got);
  let url = start;
  for (let hop = 0; ; hop++) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { accept: 'image/*' },
        dispatcher: options.trustedHosts?.has(url.host) ? options.dispatcher : options.links,
      });
    } catch {
      throw refuse('a link that did not answer');
    }
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      discard(res.body);
      if (hop >= MAX_REDIRECTS) throw refuse('a link that redirects too often');
      // A public link may not bounce us into a private network.
      url = checkReferenceUrl(new URL(location, url).toString(), options);
      continue;
    }
    if (res.statusCode !== 200) {
      discard(res.body);
      throw refuse(`HTTP ${res.statusCode}`);
    }
    const head = await firstBytes(res.body);
    if (!sniffImageType(head)) throw refuse('not an image');
    return;
  }
}

async function firstBytes(body: Dispatcher.ResponseData['body']): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= SNIFF_BYTES) break;
    }
  } catch {
    // A body that broke off: whatever arrived is judged below.
  } finally {
    // Breaking out of the loop leaves the rest unread: let it go without reading the whole image.
    body.destroy();
  }
  return Buffer.concat(chunks, size);
}
