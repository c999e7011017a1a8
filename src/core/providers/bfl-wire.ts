/**
 * BFL's wire format: the request body per model family, and HTTP answers as typed errors.
 * Unknown fields are silently ignored by BFL, so only what the family accepts is ever sent.
 */
import { type ErrorCode, ProviderError } from '../errors.ts';
import type { ModelInfo } from '../models.ts';
import type { JsonResponse } from './http.ts';
import type { TaskSpec } from './types.ts';

export interface BflStatus {
  id?: string;
  status?: string;
  progress?: number | null;
  cost?: number | null;
  details?: unknown;
  result?: { sample?: string; cost?: number | null; details?: unknown } | null;
}

export function requestBody(task: TaskSpec, model: ModelInfo): Record<string, unknown> {
  const r = task.request;
  const body: Record<string, unknown> = {
    prompt: r.prompt,
    width: r.width,
    height: r.height,
    seed: task.seed,
    safety_tolerance: r.safety,
    output_format: r.format,
  };
  if (model.upsampling === 'disable_pup') body.disable_pup = !r.upsample;
  if (model.upsampling === 'prompt_upsampling') body.prompt_upsampling = r.upsample;
  if (model.tunable) {
    body.steps = r.steps;
    body.guidance = r.guidance;
  }
  r.references.forEach((ref, i) => {
    const key = i === 0 ? 'input_image' : `input_image_${i + 1}`;
    body[key] = ref.kind === 'url' ? ref.url : ref.data.toString('base64');
  });
  if (task.user) body.user = task.user;
  return body;
}

/** A non-200 answer as a typed error. Whether it was billed depends on the status, not on guesswork. */
export function bflError(res: JsonResponse, what: 'submit' | 'poll' | 'credits'): ProviderError {
  const detail = detailText(res.body);
  const retry = retryAfter(res.headers['retry-after']);
  const make = (code: ErrorCode, charge: 'none' | 'unknown', message: string) =>
    new ProviderError(code, `BFL ${what}: ${message}`, {
      status: res.status,
      charge,
      ...(detail ? { detail } : {}),
      ...(retry !== undefined ? { retryAfter: retry } : {}),
    });
  switch (res.status) {
    case 402:
      return make('PROVIDER_OUT_OF_CREDITS', 'none', 'out of credits (402)');
    case 401:
    case 403:
      return make('PROVIDER_AUTH', 'none', `key refused (${res.status})`);
    case 422:
      return make('PROVIDER_REJECTED', 'none', `validation failed (422)${detail ? `: ${detail}` : ''}`);
    case 429:
      return make('PROVIDER_RATE_LIMITED', 'none', 'too many active tasks (429)');
    default:
      // A 5xx after the request was sent may still have created (and billed) the task.
      return make('PROVIDER_UNAVAILABLE', what === 'submit' ? 'unknown' : 'none', `HTTP ${res.status}`);
  }
}

/** 422 `detail` is a string or an array of { loc, msg, type }. */
export function detailText(body: unknown): string | undefined {
  if (!body || typeof body !== 'object')
    return typeof body === 'string' && body ? body.slice(0, 300) : undefined;
  const detail = (body as { detail?: unknown }).detail;
  if (typeof detail === 'string') return detail.slice(0, 300);
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const item = d as { loc?: unknown[]; msg?: string };
        const field = Array.isArray(item.loc) ? item.loc.filter((p) => p !== 'body').join('.') : '';
        return field ? `${field}: ${item.msg ?? 'invalid'}` : (item.msg ?? 'invalid');
      })
      .join('; ')
      .slice(0, 300);
  }
  return undefined;
}

function retryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : undefined;
}
