/**
 * HTTP for providers: one shared undici Agent with timeouts, JSON calls that always consume or cancel
 * their bodies (an unread body pins a pooled connection), and the classification of network failures
 * that decides whether a POST may be sent again. Image downloads live in download.ts.
 */
import { Agent, type Dispatcher, type FormData, request } from 'undici';
import { ProviderError } from '../errors.ts';
import { discard } from './download.ts';
import { publicOnlyLookup, type Resolve } from './public-links.ts';

export { downloadImage, downloadImageFromOrigin, type ImageType } from './download.ts';

export interface HttpOptions {
  /** TCP (+TLS) connect; a timeout here means the request never left, so a POST may be retried. */
  connectTimeoutMs?: number;
  /** From sending the request to the response headers. */
  headersTimeoutMs?: number;
  /** Longest silence between two body chunks. */
  bodyTimeoutMs?: number;
  /** Connections per origin. */
  connections?: number;
  /** How `links` resolves host names (tests); dns.lookup by default. */
  resolve?: Resolve;
}

export interface Http {
  dispatcher: Dispatcher;
  /** For links members gave: names that resolve inside a network are refused (public-links.ts). */
  links: Dispatcher;
  close(): Promise<void>;
}

/**
 * The one dispatcher the providers (and platform clients) share, and beside it the one for links members
 * gave (the configured services may well live inside the network; a member's link may not).
 */
export function createHttp(options: HttpOptions = {}): Http {
  const agent = (lookup?: ReturnType<typeof publicOnlyLookup>) =>
    new Agent({
      connect: { timeout: options.connectTimeoutMs ?? 10_000, ...(lookup ? { lookup } : {}) },
      headersTimeout: options.headersTimeoutMs ?? 60_000,
      bodyTimeout: options.bodyTimeoutMs ?? 60_000,
      connections: options.connections ?? 64,
      keepAliveTimeout: 30_000,
    });
  const shared = agent();
  const links = agent(publicOnlyLookup(options.resolve));
  return {
    dispatcher: shared,
    links,
    // Called once deliveries have had their grace: a request still hanging then (a share Slack never
    // answers) is cut, not waited for until its own deadline — the process must be able to exit. (A
    // destroy after close() would not cut it: undici's close waits for it and destroy then finds nothing.)
    close: async () => {
      await Promise.all([shared.destroy(), links.destroy()]);
    },
  };
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface JsonResponse {
  status: number;
  headers: ResponseHeaders;
  /** Parsed JSON, or the raw text when it was not JSON, or undefined when empty. */
  body: unknown;
}

export interface JsonRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** JSON text, or a multipart form (undici writes its content-type with the boundary). */
  body?: string | FormData;
  dispatcher: Dispatcher;
  signal?: AbortSignal;
  /** Larger answers are cut off (the body is cancelled) and refused as a protocol error. */
  maxBytes?: number;
  /** Overrides the Agent's headers timeout, for calls that answer only when the work is done. */
  headersTimeoutMs?: number;
}

const DEFAULT_JSON_MAX = 1024 * 1024;

/**
 * A JSON call. The body is always read to the end or destroyed, so the connection goes back to the
 * pool (or is closed) whatever happens. Network errors and aborts are thrown as they come: the caller
 * decides what they mean (see failedBeforeSending).
 */
export async function requestJson(url: string, init: JsonRequest): Promise<JsonResponse> {
  const res = await request(url, {
    method: init.method,
    headers: init.headers,
    body: init.body,
    dispatcher: init.dispatcher,
    signal: init.signal,
    ...(init.headersTimeoutMs !== undefined ? { headersTimeout: init.headersTimeoutMs } : {}),
  });
  const max = init.maxBytes ?? DEFAULT_JSON_MAX;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > max) {
        throw new ProviderError('PROVIDER_PROTOCOL', `answer over ${max} bytes (HTTP ${res.statusCode})`, {
          status: res.statusCode,
          charge: 'unknown',
        });
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    discard(res.body);
    throw err;
  }
  const text = Buffer.concat(chunks, size).toString('utf8');
  return { status: res.statusCode, headers: res.headers, body: parseJson(text) };
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Error codes that can only happen before a single byte of the request was written. */
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * True when the request surely never reached the server, so nothing can have been billed and a POST may
 * be sent again. A reset, a headers timeout or "other side closed" may come after the server got the
 * request: those are not this.
 */
export function failedBeforeSending(err: unknown): boolean {
  return NEVER_SENT.has(errorCode(err) ?? '');
}

/** The code of a network error (its own, or its cause's), for logs and classification. */
export function errorCode(err: unknown): string | undefined {
  const own = (err as { code?: unknown } | undefined)?.code;
  if (typeof own === 'string') return own;
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

/** Retry-After as seconds (delta-seconds, fractional accepted, or an HTTP date). */
export function retryAfterSeconds(headers: ResponseHeaders): number | undefined {
  const raw = headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : undefined;
}
