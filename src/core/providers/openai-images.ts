/**
 * An OpenAI-compatible images gateway serving FLUX.2: `POST /v1/images/generations` (or `/edits` with
 * references), Bearer auth, the image in the answer. The call is synchronous, so `submit` does the work
 * and `waitForResult` only decodes or downloads; a crash mid-call cannot be resumed (there is no task to
 * poll). Gateways report no cost: costMicros stays undefined and the jobs layer keeps its estimate.
 */
import { randomUUID } from 'node:crypto';
import { type Dispatcher, getGlobalDispatcher } from 'undici';
import { ProviderError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ModelCatalog, ModelId } from '../models.ts';
import { sniffImageType } from '../request.ts';
import { downloadImage, downloadImageFromOrigin, type Http, requestJson } from './http.ts';
import { firstImage, gatewayBody, gatewayError, isQuotaExhausted } from './openai-wire.ts';
import { DEFAULT_SUBMIT_RETRY, type SubmitRetryPolicy, sendWithRetry } from './submit-retry.ts';
import type { ImageResult, Provider, SubmittedTask, TaskSpec, WaitOptions } from './types.ts';

export interface OpenAIImagesOptions {
  baseUrl: string;
  apiKey: string;
  /** Our model id → the gateway's model name (e.g. flux.2-pro). */
  modelMap: Record<ModelId, string>;
  catalog: ModelCatalog;
  dispatcher?: Dispatcher;
  http?: Pick<Http, 'dispatcher'>;
  logger: Logger;
  /** Largest image accepted, decoded or downloaded (default 40 MiB). */
  maxDownloadBytes?: number;
  /** The gateway answers only once the image is made: how long to wait for it (default 300 s). */
  timeoutMs?: number;
  retry?: Partial<SubmitRetryPolicy>;
}

export function createOpenAIImagesProvider(options: OpenAIImagesOptions): Provider {
  const base = options.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const dispatcher = options.dispatcher ?? options.http?.dispatcher ?? getGlobalDispatcher();
  const { logger, apiKey } = options;
  const maxBytes = options.maxDownloadBytes ?? 40 * 1024 * 1024;
  const retry: SubmitRetryPolicy = { ...DEFAULT_SUBMIT_RETRY, ...options.retry };
  const authorization = `Bearer ${apiKey}`;
  const headers = { authorization, 'content-type': 'application/json', accept: 'application/json' };

  async function submit(task: TaskSpec, signal?: AbortSignal): Promise<SubmittedTask> {
    const model = options.modelMap[task.request.model] ?? options.catalog[task.request.model].path;
    const path = task.request.references.length ? 'edits' : 'generations';
    const body = JSON.stringify(gatewayBody(task, model));
    const submittedAt = Date.now();
    const res = await sendWithRetry(
      () =>
        requestJson(`${base}/v1/images/${path}`, {
          method: 'POST',
          headers,
          body,
          dispatcher,
          // A base64 image in the answer is large: allow it, with the image cap plus base64's overhead.
          maxBytes: Math.ceil((maxBytes * 4) / 3) + 64 * 1024,
          headersTimeoutMs: options.timeoutMs ?? 300_000,
          ...(signal ? { signal } : {}),
        }),
      {
        what: `gateway ${path}`,
        policy: retry,
        logger,
        retryable429: (r) => !isQuotaExhausted(r),
        ...(signal ? { signal } : {}),
      },
    );
    if (res.status !== 200) {
      const err = gatewayError(res, apiKey);
      logger.warn({ model, status: res.status, code: err.code }, 'gateway refused the request');
      throw err;
    }
    const image = firstImage(res.body);
    // A 200 without an image may still have been billed.
    if (!image)
      throw new ProviderError('PROVIDER_PROTOCOL', 'gateway answer has no image', { charge: 'unknown' });
    logger.debug({ model, path, kind: 'url' in image ? 'url' : 'b64' }, 'gateway answered');
    return { taskId: `gw-${randomUUID()}`, submittedAt, immediate: image };
  }

  async function waitForResult(task: SubmittedTask, wait: WaitOptions = {}): Promise<ImageResult> {
    const { signal } = wait;
    if (signal?.aborted) throw signal.reason;
    const image = await fetchImmediate(task, signal);
    const result: ImageResult = { ...image };
    if (task.submittedAt !== undefined) result.generationMs = Date.now() - task.submittedAt;
    return result;
  }

  async function fetchImmediate(task: SubmittedTask, signal: AbortSignal | undefined) {
    const b64 = task.immediate?.b64;
    const url = task.immediate?.url;
    if (b64) return decode(b64, maxBytes);
    if (url?.startsWith('data:')) return decode(url.slice(url.indexOf(',') + 1), maxBytes);
    if (url) {
      const opts = { dispatcher, maxBytes, ...(signal ? { signal } : {}) };
      // The key goes to the gateway's own origin only; a CDN link gets no credentials.
      return new URL(url, base).origin === origin
        ? downloadImageFromOrigin(new URL(url, base).href, { ...opts, origin, authorization })
        : downloadImage(url, opts);
    }
    throw new ProviderError('TASK_NOT_FOUND', 'a gateway call cannot be resumed after a restart', {
      charge: 'unknown',
    });
  }

  return { name: 'openai', submit, waitForResult };
}

function decode(b64: string, maxBytes: number) {
  if (Math.floor((b64.length * 3) / 4) > maxBytes + 2)
    throw new ProviderError('DOWNLOAD_TOO_LARGE', `image over the ${maxBytes} byte limit`, {
      charge: 'charged',
    });
  const data = Buffer.from(b64, 'base64');
  const contentType = sniffImageType(data);
  if (!contentType)
    throw new ProviderError('NOT_AN_IMAGE', 'the gateway answer is not an image', { charge: 'charged' });
  return { data, contentType };
}
