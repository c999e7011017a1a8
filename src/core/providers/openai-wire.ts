/**
 * The OpenAI images wire format as gateways serving FLUX.2 speak it: the request body, the answer's
 * first image, and error answers ({ error: { message, type, code } }) as typed errors.
 */
import { type Charge, type ErrorCode, ProviderError } from '../errors.ts';
import { type JsonResponse, retryAfterSeconds } from './http.ts';
import type { TaskSpec } from './types.ts';

export function gatewayBody(task: TaskSpec, model: string): Record<string, unknown> {
  const r = task.request;
  const body: Record<string, unknown> = {
    model,
    prompt: r.prompt,
    size: `${r.width}x${r.height}`,
    n: 1,
    response_format: 'b64_json',
  };
  if (task.user) body.user = task.user;
  if (r.references.length) {
    // Newer gateways take JSON edits: a URL as is, bytes as a data: URL.
    body.images = r.references.map((ref) => ({
      image_url:
        ref.kind === 'url' ? ref.url : `data:${ref.contentType};base64,${ref.data.toString('base64')}`,
    }));
  }
  return body;
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
