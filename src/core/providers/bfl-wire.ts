/**
 * BFL's wire format: the request body per model family, the poll answer, and HTTP answers as typed
 * errors. BFL silently ignores unknown fields, so only what the family accepts is ever sent.
 */
import { createHmac } from 'node:crypto';
import { type Charge, type ErrorCode, ProviderError } from '../errors.ts';
import type { ModelInfo } from '../models.ts';
import { type JsonResponse, retryAfterSeconds } from './http.ts';
import type { TaskSpec } from './types.ts';

export interface BflSubmitAnswer {
  id?: unknown;
  polling_url?: unknown;
  cost?: number | null;
  input_mp?: number | null;
  output_mp?: number | null;
}

export interface BflStatus {
  id?: string;
  status?: string;
  progress?: number | null;
  cost?: number | null;
  details?: unknown;
  result?: { sample?: unknown; cost?: number | null; details?: unknown } | null;
}

export function requestBody(task: TaskSpec, model: ModelInfo, userSalt?: string): Record<string, unknown> {
  const r = task.request;
  const body: Record<string, unknown> = {
    prompt: r.prompt,
    width: r.width,
    height: r.height,
    seed: task.seed,
    safety_tolerance: r.safety,
    output_format: r.format,
  };
  // pro/max upsample unless told not to; flex has its own switch; klein has neither.
  if (model.upsampling === 'disable_pup') body.disable_pup = !r.upsample;
  if (model.upsampling === 'prompt_upsampling') body.prompt_upsampling = r.upsample;
  if (model.tunable) {
    if (r.steps !== undefined) body.steps = r.steps;
    if (r.guidance !== undefined) body.guidance = r.guidance;
  }
  r.references.forEach((ref, i) => {
    const key = i === 0 ? 'input_image' : `input_image_${i + 1}`;
    // BFL wants raw base64 (no data: prefix) or a URL it fetches itself.
    body[key] = ref.kind === 'url' ? ref.url : ref.data.toString('base64');
  });
  if (task.user) body.user = userSalt ? saltedUser(task.user, userSalt) : task.user.slice(0, 256);
  return body;
}

/** BFL's `user` is an opaque end-user id: never a platform id in the clear. */
function saltedUser(user: string, salt: string): string {
  return createHmac('sha256', salt).update(user).digest('hex').slice(0, 32);
}

export type Call = 'submit' | 'poll' | 'credits';

/**
 * A non-success answer as a typed error. What it cost depends on where it came from: a refused submit
 * created nothing; a 5xx after a submit may have; anything on a poll concerns a task that exists.
 */
export function bflError(res: JsonResponse, call: Call, secret?: string): ProviderError {
  const detail = scrub(detailText(res.body), secret);
  const retryAfter = retryAfterSeconds(res.headers);
  const refused: Charge = call === 'poll' ? 'unknown' : 'none';
  const make = (code: ErrorCode, charge: Charge, what: string) =>
    new ProviderError(code, `BFL ${call}: ${what}`, {
      status: res.status,
      charge,
      ...(detail ? { detail } : {}),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
  const s = res.status;
  if (s === 402) return make('PROVIDER_OUT_OF_CREDITS', refused, 'out of credits (402)');
  if (s === 401 || s === 403) return make('PROVIDER_AUTH', refused, `key refused (${s})`);
  if (s === 422) return make('PROVIDER_REJECTED', refused, 'validation failed (422)');
  if (s === 429) return make('PROVIDER_RATE_LIMITED', refused, 'too many active tasks (429)');
  if (s >= 400 && s < 500) return make('PROVIDER_REJECTED', refused, `refused (${s})`);
  return make('PROVIDER_UNAVAILABLE', call === 'credits' ? 'none' : 'unknown', `HTTP ${s}`);
}

/** 422 `detail` is a string, or an array of { loc, msg, type } (FastAPI). */
export function detailText(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() ? body.slice(0, 300) : undefined;
  if (!body || typeof body !== 'object') return undefined;
  const detail = (body as { detail?: unknown }).detail;
  if (typeof detail === 'string') return detail.slice(0, 300);
  if (!Array.isArray(detail)) return undefined;
  const parts = detail.map((d) => {
    const item = (d ?? {}) as { loc?: unknown; msg?: unknown };
    const msg = typeof item.msg === 'string' ? item.msg : 'invalid';
    const field = Array.isArray(item.loc) ? item.loc.filter((p) => p !== 'body').join('.') : '';
    return field ? `${field}: ${msg}` : msg;
  });
  return parts.length ? parts.join('; ').slice(0, 300) : undefined;
}

/**
 * The error a terminal status other than Ready stands for; undefined while the task is in progress.
 * Moderated tasks are not charged (bfl-api.md); whether a failed one was is not documented.
 */
export function terminalError(status: string, body: BflStatus): ProviderError | undefined {
  const detail = statusDetail(body);
  const extra = detail ? { detail } : {};
  if (status === 'Request Moderated')
    return new ProviderError('REQUEST_MODERATED', 'the prompt or a reference image was moderated', {
      charge: 'none',
      ...extra,
    });
  if (status === 'Content Moderated')
    return new ProviderError('CONTENT_MODERATED', 'the generated image was moderated', {
      charge: 'none',
      ...extra,
    });
  if (status === 'Error' || status === 'Failed')
    return new ProviderError('TASK_FAILED', `task ended with status ${status}`, {
      charge: 'unknown',
      ...extra,
    });
  return undefined;
}

/** Moderation reasons or an error description from a terminal poll, short and printable. */
export function statusDetail(body: BflStatus): string | undefined {
  const details = body.details ?? body.result?.details;
  if (details === undefined || details === null) return undefined;
  return (typeof details === 'string' ? details : JSON.stringify(details)).slice(0, 200);
}

/** Whatever the provider echoes back, the key never travels on in an error. */
function scrub(text: string | undefined, secret: string | undefined): string | undefined {
  return text && secret && secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
}
