/**
 * HTTP for providers: one shared undici Agent with timeouts, JSON calls that always consume their bodies,
 * and image downloads that are capped, checked by magic bytes, and held in one buffer.
 */
import { Agent, type Dispatcher, request, errors as undiciErrors } from 'undici';
import { ProviderError } from '../errors.ts';
import { sniffImageType } from '../request.ts';

export interface HttpOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  connections?: number;
}

export interface Http {
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

export function createHttp(options: HttpOptions = {}): Http {
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs ?? 10_000 },
    headersTimeout: options.headersTimeoutMs ?? 30_000,
    bodyTimeout: options.bodyTimeoutMs ?? 60_000,
    connections: options.connections ?? 64,
    keepAliveTimeout: 30_000,
  });
  return { dispatcher: agent, close: () => agent.close() };
}

export interface JsonResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** A JSON call; the body is always read (or discarded) so the connection returns to the pool. */
export async function requestJson(
  url: string,
  init: {
    method: 'GET' | 'POST';
    headers: Record<string, string>;
    body?: string;
    dispatcher: Dispatcher;
    signal?: AbortSignal;
  },
): Promise<JsonResponse> {
  const res = await request(url, {
    method: init.method,
    headers: init.headers,
    body: init.body,
    dispatcher: init.dispatcher,
    signal: init.signal,
  });
  const text = await res.body.text();
  let body: unknown = text;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.statusCode, headers: res.headers, body };
}

/**
 * True when the request surely never reached the server: nothing can have been billed, so a POST may be
 * sent again. A timeout or reset after sending is not this.
 */
export function failedBeforeSending(err: unknown): boolean {
  if (err instanceof undiciErrors.ConnectTimeoutError) return true;
  const code =
    (err as { code?: string } | undefined)?.code ??
    (err as { cause?: { code?: string } } | undefined)?.cause?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'EHOSTUNREACH'
  );
}

export type ImageType = NonNullable<ReturnType<typeof sniffImageType>>;

/**
 * Downloads an image with no credentials, refusing more than `maxBytes` and anything that is not an
 * image by its magic bytes. With a content-length the buffer is allocated once and filled in place.
 */
export async function downloadImage(
  url: string,
  options: {
    dispatcher: Dispatcher;
    maxBytes: number;
    signal?: AbortSignal;
    headers?: Record<string, string>;
  },
): Promise<{ data: Buffer; contentType: ImageType }> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method: 'GET',
      dispatcher: options.dispatcher,
      signal: options.signal,
      headers: options.headers ?? {},
    });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new ProviderError('DOWNLOAD_FAILED', `image download failed: ${(err as Error).message}`, {
      cause: err,
      charge: 'charged',
    });
  }
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new ProviderError('DOWNLOAD_FAILED', `image download answered HTTP ${res.statusCode}`, {
      status: res.statusCode,
      charge: 'charged',
    });
  }
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await res.body.dump();
    throw new ProviderError('DOWNLOAD_TOO_LARGE', `image of ${declared} bytes is over ${options.maxBytes}`, {
      charge: 'charged',
    });
  }
  const data = await readCapped(
    res.body,
    Number.isFinite(declared) && declared > 0 ? declared : undefined,
    options.maxBytes,
  );
  const contentType = sniffImageType(data);
  if (!contentType)
    throw new ProviderError('NOT_AN_IMAGE', 'the download is not an image', { charge: 'charged' });
  return { data, contentType };
}

async function readCapped(
  body: Dispatcher.ResponseData['body'],
  declared: number | undefined,
  max: number,
): Promise<Buffer> {
  if (declared !== undefined) {
    const out = Buffer.allocUnsafe(declared);
    let offset = 0;
    for await (const chunk of body) {
      const c = chunk as Buffer;
      if (offset + c.length > declared) {
        body.destroy();
        throw new ProviderError('DOWNLOAD_FAILED', 'image longer than its content-length', {
          charge: 'charged',
        });
      }
      c.copy(out, offset);
      offset += c.length;
    }
    if (offset !== declared)
      throw new ProviderError('DOWNLOAD_FAILED', 'image shorter than its content-length', {
        charge: 'charged',
      });
    return out;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      throw new ProviderError('DOWNLOAD_TOO_LARGE', `image over ${max} bytes`, { charge: 'charged' });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}
