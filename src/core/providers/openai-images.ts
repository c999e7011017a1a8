/**
 * An OpenAI-compatible images gateway serving FLUX.2: `POST /v1/images/generations` (or `/edits` with
 * references), Bearer auth, the image back in the answer. Calls are synchronous, so `submit` does the
 * work and `waitForResult` only decodes or downloads. Gateways report no cost: the estimate stands.
 */
import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { type ErrorCode, ProviderError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ModelCatalog, ModelId } from '../models.ts';
import { sniffImageType } from '../request.ts';
import { downloadImage, failedBeforeSending, type JsonResponse, requestJson } from './http.ts';
import type { ImageResult, Provider, SubmittedTask, TaskSpec, WaitOptions } from './types.ts';

export interface OpenAIImagesOptions {
  baseUrl: string;
  apiKey: string;
  /** Our model id → the gateway's model name. */
  modelMap: Record<ModelId, string>;
  catalog: ModelCatalog;
  dispatcher: Dispatcher;
  logger: Logger;
  maxDownloadBytes?: number;
}

export function createOpenAIImagesProvider(options: OpenAIImagesOptions): Provider {
  const base = options.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const maxBytes = options.maxDownloadBytes ?? 40 * 1024 * 1024;
  const headers = {
    authorization: `Bearer ${options.apiKey}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };

  return {
    name: 'openai',
    async submit(task: TaskSpec, signal?: AbortSignal): Promise<SubmittedTask> {
      const r = task.request;
      const edit = r.references.length > 0;
      const body: Record<string, unknown> = {
        model: options.modelMap[r.model],
        prompt: r.prompt,
        size: `${r.width}x${r.height}`,
        n: 1,
        response_format: 'b64_json',
        seed: task.seed,
        output_format: r.format,
      };
      if (task.user) body.user = task.user;
      if (edit) {
        body.images = r.references.map((ref) => ({
          image_url:
            ref.kind === 'url' ? ref.url : `data:${ref.contentType};base64,${ref.data.toString('base64')}`,
        }));
      }
      const submittedAt = Date.now();
      let res: JsonResponse;
      try {
        res = await requestJson(`${base}/v1/images/${edit ? 'edits' : 'generations'}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          dispatcher: options.dispatcher,
          signal,
        });
      } catch (err) {
        if (signal?.aborted) throw err;
        throw new ProviderError('PROVIDER_UNAVAILABLE', `gateway call failed: ${(err as Error).message}`, {
          cause: err,
          charge: failedBeforeSending(err) ? 'none' : 'unknown',
        });
      }
      if (res.status !== 200) throw gatewayError(res);
      const first = (res.body as { data?: Array<{ url?: string; b64_json?: string }> }).data?.[0];
      if (!first || (!first.url && !first.b64_json))
        throw new ProviderError('PROVIDER_PROTOCOL', 'gateway answer has no image', { charge: 'unknown' });
      const immediate: SubmittedTask['immediate'] = first.b64_json
        ? { b64: first.b64_json }
        : { url: first.url as string };
      return { taskId: `gw-${randomUUID()}`, submittedAt, immediate };
    },

    async waitForResult(task: SubmittedTask, wait: WaitOptions = {}): Promise<ImageResult> {
      const generationMs = task.submittedAt ? Date.now() - task.submittedAt : undefined;
      if (task.immediate?.b64) {
        const data = Buffer.from(task.immediate.b64, 'base64');
        const contentType = sniffImageType(data);
        if (!contentType)
          throw new ProviderError('NOT_AN_IMAGE', 'gateway b64_json is not an image', { charge: 'charged' });
        return generationMs === undefined ? { data, contentType } : { data, contentType, generationMs };
      }
      if (task.immediate?.url) {
        // The key goes only to the gateway's own origin; a CDN link gets no credentials.
        const sameOrigin = new URL(task.immediate.url).origin === origin;
        const image = await downloadImage(task.immediate.url, {
          dispatcher: options.dispatcher,
          maxBytes,
          ...(wait.signal ? { signal: wait.signal } : {}),
          ...(sameOrigin ? { headers: { authorization: headers.authorization } } : {}),
        });
        return generationMs === undefined ? image : { ...image, generationMs };
      }
      throw new ProviderError('TASK_NOT_FOUND', 'a gateway call cannot be resumed after a restart', {
        charge: 'unknown',
      });
    },
  };
}

function gatewayError(res: JsonResponse): ProviderError {
  const err = (res.body as { error?: { message?: string; code?: string } } | undefined)?.error;
  const detail = typeof err?.message === 'string' ? err.message.slice(0, 300) : undefined;
  const byStatus: Record<number, [ErrorCode, 'none' | 'unknown']> = {
    400: ['PROVIDER_REJECTED', 'none'],
    401: ['PROVIDER_AUTH', 'none'],
    402: ['PROVIDER_OUT_OF_CREDITS', 'none'],
    403: ['PROVIDER_AUTH', 'none'],
    422: ['PROVIDER_REJECTED', 'none'],
    429: ['PROVIDER_RATE_LIMITED', 'none'],
  };
  // Gateways signal moderation as a 400 with a content-policy code.
  if (res.status === 400 && /moderat|content_policy|safety/i.test(`${err?.code ?? ''} ${detail ?? ''}`)) {
    return new ProviderError('REQUEST_MODERATED', 'gateway refused the prompt', {
      status: 400,
      charge: 'none',
      ...(detail ? { detail } : {}),
    });
  }
  const [code, charge] = byStatus[res.status] ?? ['PROVIDER_UNAVAILABLE', 'unknown'];
  const retry = Number(res.headers['retry-after']);
  return new ProviderError(code, `gateway answered HTTP ${res.status}`, {
    status: res.status,
    charge,
    ...(detail ? { detail } : {}),
    ...(Number.isFinite(retry) ? { retryAfter: retry } : {}),
  });
}
