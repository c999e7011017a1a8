/**
 * Image downloads: capped (content-length first, then counted while streaming), checked by magic bytes
 * as soon as the first bytes arrive, and held once (one preallocated buffer when the length is known).
 * `downloadImage` never sends credentials: signed delivery URLs need none, and a key sent to a CDN is a
 * key leaked. Redirects are followed by hand so a credential scoped to one origin never follows one, and
 * a public link never leads into a private network.
 */
import { type Dispatcher, request } from 'undici';
import { ProviderError } from '../errors.ts';
import { isPrivateHost } from '../reference-url.ts';
import { sniffImageType } from '../request.ts';

export type ImageType = NonNullable<ReturnType<typeof sniffImageType>>;

export interface DownloadOptions {
  dispatcher: Dispatcher;
  maxBytes: number;
  signal?: AbortSignal;
}

export interface DownloadedImage {
  data: Buffer;
  contentType: ImageType;
}

/** Enough bytes for every signature sniffImageType knows. */
const SNIFF_BYTES = 12;
const MAX_REDIRECTS = 3;

/** Downloads an image with no credentials at all. */
export function downloadImage(url: string, options: DownloadOptions): Promise<DownloadedImage> {
  return fetchImage(url, options, undefined);
}

/**
 * Downloads an image, sending `authorization` only while the URL (after any redirect) is on `origin`:
 * a gateway may serve its files behind its key, but a link to anywhere else gets nothing.
 */
export function downloadImageFromOrigin(
  url: string,
  options: DownloadOptions & { origin: string; authorization: string },
): Promise<DownloadedImage> {
  return fetchImage(url, options, { origin: options.origin, authorization: options.authorization });
}

async function fetchImage(
  url: string,
  options: DownloadOptions,
  auth: { origin: string; authorization: string } | undefined,
): Promise<DownloadedImage> {
  let target = parseUrl(url);
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { accept: 'image/*' };
    if (auth && target.origin === auth.origin) headers.authorization = auth.authorization;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(target, {
        method: 'GET',
        headers,
        dispatcher: options.dispatcher,
        signal: options.signal,
      });
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw failed(`image download failed: ${(err as Error).message}`, err);
    }
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      discard(res.body);
      if (hop >= MAX_REDIRECTS) throw failed('image download redirected too often');
      const next = parseUrl(location, target);
      // A public link may not bounce us into a private network (a link at home, a loopback test, may).
      if (isPrivateHost(next.hostname) && !isPrivateHost(target.hostname))
        throw failed('image download redirected to a private address');
      target = next;
      continue;
    }
    if (res.statusCode !== 200) {
      discard(res.body);
      throw new ProviderError('DOWNLOAD_FAILED', `image download answered HTTP ${res.statusCode}`, {
        status: res.statusCode,
        charge: 'charged',
      });
    }
    const declared = contentLength(res.headers['content-length']);
    if (declared !== undefined && declared > options.maxBytes) {
      discard(res.body);
      throw tooLarge(`image of ${declared} bytes is over the ${options.maxBytes} byte limit`);
    }
    try {
      return await readImage(res.body, declared, options.maxBytes);
    } catch (err) {
      discard(res.body);
      if (options.signal?.aborted) throw options.signal.reason;
      if (err instanceof ProviderError) throw err;
      throw failed(`image download broke off: ${(err as Error).message}`, err);
    }
  }
}

async function readImage(
  body: Dispatcher.ResponseData['body'],
  declared: number | undefined,
  max: number,
): Promise<DownloadedImage> {
  // With a known length the image lands in one buffer, filled in place: it is held once, not twice.
  const fixed = declared !== undefined ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  let sniffed: ImageType | undefined;
  for await (const raw of body) {
    const chunk = raw as Buffer;
    if (size + chunk.length > (declared ?? max)) {
      throw declared === undefined
        ? tooLarge(`image over the ${max} byte limit`)
        : failed('image longer than its content-length');
    }
    if (fixed) chunk.copy(fixed, size);
    else chunks.push(chunk);
    size += chunk.length;
    // An error page served with 200 is refused on its first bytes, not after reading it all.
    if (!sniffed && size >= SNIFF_BYTES) {
      sniffed = sniffImageType(fixed ? fixed.subarray(0, size) : Buffer.concat(chunks, size));
      if (!sniffed) throw notAnImage();
    }
  }
  if (declared !== undefined && size !== declared) throw failed('image shorter than its content-length');
  const data = fixed ?? Buffer.concat(chunks, size);
  const contentType = sniffed ?? sniffImageType(data);
  if (!contentType) throw notAnImage();
  return { data, contentType };
}

/**
 * Lets go of a body we will not use: a small one is drained so its connection can be reused, a large or
 * endless one is cut off. Never throws, and never leaves an unhandled 'error' behind.
 */
export function discard(body: Dispatcher.ResponseData['body']): void {
  body.dump({ limit: 64 * 1024 }).catch(() => {});
}

function parseUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw failed('image link is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw failed('image link is not http(s)');
  return url;
}

function contentLength(raw: string | string[] | undefined): number | undefined {
  const value = Number(Array.isArray(raw) ? raw[0] : raw);
  return raw !== undefined && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

// Every download follows a finished generation: the image is paid for even if we cannot fetch it.
function failed(message: string, cause?: unknown): ProviderError {
  return new ProviderError('DOWNLOAD_FAILED', message, { charge: 'charged', cause });
}

function tooLarge(message: string): ProviderError {
  return new ProviderError('DOWNLOAD_TOO_LARGE', message, { charge: 'charged' });
}

function notAnImage(): ProviderError {
  return new ProviderError('NOT_AN_IMAGE', 'the download is not a PNG, JPEG, WebP or GIF image', {
    charge: 'charged',
  });
}
