/**
 * The wire formats of OpenAI-compatible image gateways serving FLUX.2, in two dialects (bfl-api.md):
 * - `seed`: the gateway the seed article sets up (api.apiyi.com). JSON everywhere; references ride on
 *   `/images/generations` as `reference_images: [{ type: 'url', url } | { type: 'base64', data }]`.
 * - `openai`: OpenAI's own images API. References go to `/images/edits` as multipart `image[]` files.
 * Gateways ignore fields they do not know, so a reference in the other dialect's shape is silently
 * dropped and still billed: each dialect sends only its own shape. Also: the answer's first image, and
 * error answers ({ error: { message, type, code } }) as typed errors.
 */
import { FormData } from 'undici';
import { type Charge, type ErrorCode, ProviderError } from '../errors.ts';
import { type JsonResponse, retryAfterSeconds } from './http.ts';
import type { ProviderLimits, TaskSpec } from './types.ts';

export const GATEWAY_DIALECTS = ['seed', 'openai'] as const;
export type GatewayDialect = (typeof GATEWAY_DIALECTS)[number];

/**
 * What each dialect accepts, checked by the validator before anything is spent. The seed's guide: sides
 * multiples of 16 up to 2048, at most 10 references. OpenAI's edits: up to 16 `image[]` files.
 */
export const GATEWAY_LIMITS: Record<GatewayDialect, ProviderLimits> = {
  seed: { maxSide: 2048, maxReferences: 10 },
  openai: { maxReferences: 16 },
};

/**
 * The API root from a configured base URL, written with or without `/v1` (the seed's guide writes
 * `https://api.apiyi.com/v1`; others write the bare host) and with or without a trailing slash.
 */
export function gatewayApiRoot(baseUrl: string): string {
  const base = baseUrl.trim().replace(/\/+$/, '');
  return /\/v1$/i.test(base) ? base : `${base}/v1`;
}

/** The seed's gateway: one JSON call to `/images/generations`, references included. */
export function seedBody(task: TaskSpec, model: string): Record<string, unknown> {
  const r = task.request;
  const body: Record<string, unknown> = {
    model,
    prompt: r.prompt,
    size: `${r.width}x${r.height}`,
    response_format: 'url',
  };
  if (r.references.length) {
    // Raw base64, as the guide sends it (no data: prefix).
    body.reference_images = r.references.map((ref) =>
      ref.kind === 'url'
        ? { type: 'url', url: ref.url }
        : { type: 'base64', data: ref.data.toString('base64') },
    );
  }
  return body;
}

/** OpenAI's `/images/generations` JSON body (no references: those go to edits). */
export function openaiGenerationsBody(task: TaskSpec, model: string): Record<string, unknown> {
  const r = task.request;
  const body: Record<string, unknown> = {
    model,
    prompt: r.prompt,
    size: `${r.width}x${r.height}`,
    n: 1,
    response_format: 'b64_json',
  };
  if (task.user) body.user = task.user;
  return body;
}

export interface EditImage {
  data: Buffer;
  contentType: string;
  name: string;
}

/** OpenAI's multipart `/images/edits`: the prompt fields plus one `image[]` file part per reference. */
export function openaiEditsForm(task: TaskSpec, model: string, images: EditImage[]): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(openaiGenerationsBody(task, model)))
    form.append(key, String(value));
  for (const img of images) form.append('image[]', new Blob([img.data], { type: img.contentType }), img.name);
  return form;
}

export type GatewayImage = { url: string } | { b64: string };

/** The first image of `{ created, data: [{ url } | { b64_json }] }`, or undefined. */
export function firstImage(body: unknown): GatewayImage | undefined {
  const data = (body as { data?: unknown } | undefined)?.data;
  const first = (Array.isArray(data) ? data[0] : undefined) as
    | { url?: unknown; b64_json?: unknown }
    | undefined;
  if (typeof first?.b64_json === 'string' && first.b64_json) return { b64: first.b64_json };
  if (typeof first?.url === 'string' && first.url) return { url: first.url };
  return undefined;
}

interface GatewayErrorBody {
  message?: unknown;
  type?: unknown;
  code?: unknown;
}

function errorBody(body: unknown): GatewayErrorBody {
  const err = (body as { error?: unknown } | undefined)?.error;
  if (err && typeof err === 'object') return err as GatewayErrorBody;
  // Some gateways answer { message } or { detail } at the top level, or plain text.
  if (typeof body === 'string') return { message: body };
  const top = (body ?? {}) as { message?: unknown; detail?: unknown };
  return { message: top.message ?? top.detail };
}

/** OpenAI signals an empty balance as 429 `insufficient_quota`: no amount of waiting fixes that. */
export function isQuotaExhausted(res: JsonResponse): boolean {
  const e = errorBody(res.body);
  return res.status === 429 && `${e.code ?? ''} ${e.type ?? ''}`.includes('insufficient_quota');
}

export function gatewayError(res: JsonResponse, secret: string): ProviderError {
  const e = errorBody(res.body);
  const raw = typeof e.message === 'string' ? e.message.slice(0, 300) : undefined;
  const detail = raw && secret.length >= 4 ? raw.split(secret).join('[redacted]') : raw;
  const tag = `${e.code ?? ''} ${e.type ?? ''} ${detail ?? ''}`;
  const retryAfter = retryAfterSeconds(res.headers);
  const make = (code: ErrorCode, charge: Charge, what: string) =>
    new ProviderError(code, `gateway: ${what}`, {
      status: res.status,
      charge,
      ...(detail ? { detail } : {}),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
  const s = res.status;
  if (s === 400 && /moderat|content_policy|safety/i.test(tag))
    return make('REQUEST_MODERATED', 'none', 'request refused by moderation (400)');
  if (s === 402 || isQuotaExhausted(res))
    return make('PROVIDER_OUT_OF_CREDITS', 'none', `out of credits (${s})`);
  if (s === 401 || s === 403) return make('PROVIDER_AUTH', 'none', `key refused (${s})`);
  if (s === 429) return make('PROVIDER_RATE_LIMITED', 'none', 'rate limited (429)');
  if (s >= 400 && s < 500) return make('PROVIDER_REJECTED', 'none', `request refused (${s})`);
  // The image may have been generated (and billed) before the gateway failed.
  return make('PROVIDER_UNAVAILABLE', 'unknown', `HTTP ${s}`);
}
