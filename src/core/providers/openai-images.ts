/**
 * An OpenAI-compatible images gateway serving FLUX.2, in the dialect configured (openai-wire.ts): Bearer
 * auth, the image in the answer. The call is synchronous, so `submit` does the work and `waitForResult`
 * only decodes or downloads; a crash mid-call cannot be resumed (there is no task to poll). Gateways
 * report no cost: costMicros stays undefined and the jobs layer keeps its estimate.
 */
import { randomUUID } from 'node:crypto';
import { type Dispatcher, getGlobalDispatcher } from 'undici';
import { ProviderError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ModelCatalog, ModelId } from '../models.ts';
import { LIMITS, type Reference, sniffImageType } from '../request.ts';
import { downloadImage, downloadImageFromOrigin, type Http, type JsonRequest, requestJson } from './http.ts';
import {
  type EditImage,
  firstImage,
  GATEWAY_LIMITS,
  type GatewayDialect,
  gatewayApiRoot,
  gatewayError,
  isQuotaExhausted,
  openaiEditsForm,
  openaiGenerationsBody,
  seedBody,
} from './openai-wire.ts';
import { DEFAULT_SUBMIT_RETRY, type SubmitRetryPolicy, sendWithRetry } from './submit-retry.ts';
import type { ImageResult, Provider, SubmittedTask, TaskSpec, WaitOptions } from './types.ts';

export interface OpenAIImagesOptions {
  /** With or without `/v1`, with or without a trailing slash. */
  baseUrl: string;
  apiKey: string;
  /** Which request shapes the gateway understands (default `seed`, the seed article's gateway). */
  dialect?: GatewayDialect;
  /** Our model id → the gateway's model name (e.g. flux.2-pro). */
  modelMap: Record<ModelId, string>;
  catalog: ModelCatalog;
  dispatcher?: Dispatcher;
  /** Links members gave (references sent as bytes) are fetched through this: createHttp's `links`. */
  links?: Dispatcher;
  http?: Pick<Http, 'dispatcher' | 'links'>;
  logger: Logger;
  /** Largest image accepted, decoded or downloaded (default 40 MiB). */
  maxDownloadBytes?: number;
  /** The gateway answers only once the image is made: how long to wait for it (default 300 s). */
  timeoutMs?: number;
  retry?: Partial<SubmitRetryPolicy>;
}

/** One image call: its endpoint under /images/, and its body made afresh per attempt. */
interface GatewayCall {
  path: 'generations' | 'edits';
  make(): Pick<JsonRequest, 'body' | 'headers'>;
}

export function createOpenAIImagesProvider(options: OpenAIImagesOptions): Provider {
  const dialect = options.dialect ?? 'seed';
  const base = gatewayApiRoot(options.baseUrl);
  const origin = new URL(base).origin;
  const dispatcher = options.dispatcher ?? options.http?.dispatcher ?? getGlobalDispatcher();
  const links = options.links ?? options.http?.links ?? dispatcher;
  const { logger, apiKey } = options;
  const maxBytes = options.maxDownloadBytes ?? 40 * 1024 * 1024;
  const retry: SubmitRetryPolicy = { ...DEFAULT_SUBMIT_RETRY, ...options.retry };
  const authorization = `Bearer ${apiKey}`;
  const jsonHeaders = { authorization, 'content-type': 'application/json', accept: 'application/json' };

  /** The endpoint and body of one image in this dialect. A form is rebuilt per attempt: it is a stream. */
  async function call(task: TaskSpec, model: string, signal: AbortSignal | undefined): Promise<GatewayCall> {
    const refs = task.request.references;
    if (dialect === 'seed')
      return {
        path: 'generations',
        make: () => ({ body: JSON.stringify(seedBody(task, model)), headers: jsonHeaders }),
      };
    if (!refs.length)
      return {
        path: 'generations',
        make: () => ({ body: JSON.stringify(openaiGenerationsBody(task, model)), headers: jsonHeaders }),
      };
    const images = await Promise.all(refs.map((ref, i) => referenceFile(ref, i, signal)));
    return {
      path: 'edits',
      make: () => ({
        body: openaiEditsForm(task, model, images),
        headers: { authorization, accept: 'application/json' },
      }),
    };
  }

  /** Multipart wants the bytes: a linked reference is fetched here, with no credentials. */
  async function referenceFile(
    ref: Reference,
    i: number,
    signal: AbortSignal | undefined,
  ): Promise<EditImage> {
    const name = ref.name ?? `reference-${i + 1}`;
    if (ref.kind === 'bytes') return { data: ref.data, contentType: ref.contentType, name };
    try {
      const img = await downloadImage(ref.url, {
        dispatcher: links,
        maxBytes: LIMITS.referenceMaxBytes,
        ...(signal ? { signal } : {}),
      });
      return { data: img.data, contentType: img.contentType, name };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      // Nothing was sent to the gateway yet: nothing spent.
      throw new ProviderError('REFERENCE_INVALID', `reference ${i + 1} could not be fetched`, {
        charge: 'none',
        cause: err,
      });
    }
  }

  async function submit(task: TaskSpec, signal?: AbortSignal): Promise<SubmittedTask> {
    const model = options.modelMap[task.request.model] ?? options.catalog[task.request.model].path;
    const { path, make } = await call(task, model, signal);
    const submittedAt = Date.now();
    const res = await sendWithRetry(
      () =>
        requestJson(`${base}/images/${path}`, {
          method: 'POST',
          ...make(),
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
    logger.debug({ model, path, dialect, kind: 'url' in image ? 'url' : 'b64' }, 'gateway answered');
    return { taskId: `gw-${randomUUID()}`, submittedAt, immediate: image };
  }

  async function waitForResult(task: SubmittedTask, wait: WaitOptions = {}): Promise<ImageResult> {
    const { signal } = wait;
    if (signal?.aborted) throw signal.reason;
    // The call that made the image has returned: the gateway is done with it before its bytes are read.
    if (task.immediate) {
      const info = task.submittedAt === undefined ? {} : { generationMs: Date.now() - task.submittedAt };
      try {
        wait.onReady?.(info);
      } catch (err) {
        logger.warn({ err }, 'ready listener threw');
      }
    }
    return fetchImmediate(task, signal);
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

  return { name: 'openai', limits: GATEWAY_LIMITS[dialect], submit, waitForResult };
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
