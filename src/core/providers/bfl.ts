/**
 * Black Forest Labs' native API: `x-key` auth, submit → poll the returned `polling_url` as given →
 * download `result.sample` at once, never sending the key to the delivery host.
 */
import type { Dispatcher } from 'undici';
import { ProviderError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ModelCatalog } from '../models.ts';
import { creditsToMicros } from '../pricing.ts';
import { type BflStatus, bflError, requestBody } from './bfl-wire.ts';
import { downloadImage, failedBeforeSending, requestJson } from './http.ts';
import { DEFAULT_POLL_POLICY, expectedFromProgress, nextPollDelay, type PollPolicy } from './poll-policy.ts';
import { sleep } from './sleep.ts';
import type { ImageResult, Provider, SubmittedTask, TaskSpec, WaitOptions } from './types.ts';

export interface BflProviderOptions {
  apiKey: string;
  baseUrl: string;
  catalog: ModelCatalog;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Largest image we accept from the delivery host. */
  maxDownloadBytes?: number;
  /** Give up waiting for a task after this long (BFL's SDK: 300 s). */
  timeoutMs?: number;
  /** Attempts for a submit whose connection failed before sending. */
  connectAttempts?: number;
  pollPolicy?: PollPolicy;
}

const READY = new Set(['Ready', 'SUCCESS']);
const PENDING = new Set(['Pending', 'Reasoning', 'Generating', 'Queued', 'Processing']);

export function createBflProvider(options: BflProviderOptions): Provider {
  const { apiKey, catalog, dispatcher, logger } = options;
  const base = options.baseUrl.replace(/\/+$/, '');
  const maxBytes = options.maxDownloadBytes ?? 40 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const policy = options.pollPolicy ?? DEFAULT_POLL_POLICY;
  const headers = { 'x-key': apiKey, 'content-type': 'application/json', accept: 'application/json' };

  async function submit(task: TaskSpec, signal?: AbortSignal): Promise<SubmittedTask> {
    const model = catalog[task.request.model];
    const body = JSON.stringify(requestBody(task, model));
    const attempts = options.connectAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      let res: Awaited<ReturnType<typeof requestJson>>;
      try {
        res = await requestJson(`${base}/v1/${model.path}`, {
          method: 'POST',
          headers,
          body,
          dispatcher,
          signal,
        });
      } catch (err) {
        if (signal?.aborted) throw err;
        // Only a request that never left can be sent again: anything else may already be a billed task.
        if (failedBeforeSending(err) && attempt < attempts) {
          logger.warn(
            { attempt, code: (err as { code?: string }).code },
            'BFL unreachable before sending; retrying submit',
          );
          await sleep(250 * 2 ** attempt, signal);
          continue;
        }
        throw new ProviderError('PROVIDER_UNAVAILABLE', `BFL submit failed: ${(err as Error).message}`, {
          cause: err,
          charge: failedBeforeSending(err) ? 'none' : 'unknown',
        });
      }
      if (res.status !== 200) throw bflError(res, 'submit');
      const answer = res.body as {
        id?: unknown;
        polling_url?: unknown;
        cost?: number | null;
        input_mp?: number | null;
        output_mp?: number | null;
      };
      if (typeof answer.id !== 'string' || typeof answer.polling_url !== 'string') {
        throw new ProviderError('PROVIDER_PROTOCOL', 'BFL submit answer has no id or polling_url', {
          charge: 'unknown',
        });
      }
      const submitted: SubmittedTask = {
        taskId: answer.id,
        pollingUrl: answer.polling_url,
        submittedAt: Date.now(),
      };
      const cost = creditsToMicros(answer.cost);
      if (cost !== undefined) submitted.costMicros = cost;
      if (typeof answer.input_mp === 'number') submitted.inputMp = answer.input_mp;
      if (typeof answer.output_mp === 'number') submitted.outputMp = answer.output_mp;
      return submitted;
    }
  }

  async function waitForResult(task: SubmittedTask, wait: WaitOptions = {}): Promise<ImageResult> {
    if (!task.pollingUrl)
      throw new ProviderError('PROVIDER_PROTOCOL', 'task has no polling_url', { charge: 'unknown' });
    const started = task.submittedAt ?? Date.now();
    let expected = wait.expectedMs ?? 5_000;
    let lastDelay: number | undefined;
    let notFound = 0;
    let failures = 0;
    let wake: (() => void) | undefined;
    wait.onWake?.(() => wake?.());
    for (;;) {
      const elapsed = Date.now() - started;
      if (elapsed > timeoutMs)
        throw new ProviderError('TASK_TIMEOUT', `task ${task.taskId} not ready after ${timeoutMs} ms`, {
          charge: 'unknown',
        });
      lastDelay =
        failures || notFound
          ? Math.min(1_000, 150 * 2 ** (failures + notFound))
          : nextPollDelay(elapsed, expected, lastDelay, policy);
      await sleep(lastDelay, wait.signal, (w) => {
        wake = w;
      });
      let res: Awaited<ReturnType<typeof requestJson>>;
      try {
        res = await requestJson(task.pollingUrl, {
          method: 'GET',
          headers: { 'x-key': apiKey, accept: 'application/json' },
          dispatcher,
          signal: wait.signal,
        });
      } catch (err) {
        if (wait.signal?.aborted) throw err;
        if (++failures > 8)
          throw new ProviderError('PROVIDER_UNAVAILABLE', `polling failed: ${(err as Error).message}`, {
            cause: err,
            charge: 'unknown',
          });
        continue;
      }
      const body = (typeof res.body === 'object' && res.body ? res.body : {}) as BflStatus;
      if (res.status === 404 || body.status === 'Task not found') {
        // Right after submit a cluster may not know the task yet; give it a few tries.
        if (++notFound > 5)
          throw new ProviderError('TASK_NOT_FOUND', `task ${task.taskId} not found`, {
            status: res.status,
            charge: 'unknown',
          });
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        if (++failures > 8) throw bflError(res, 'poll');
        continue;
      }
      if (res.status !== 200) throw bflError(res, 'poll');
      failures = 0;
      notFound = 0;
      const status = String(body.status ?? '');
      if (PENDING.has(status)) {
        const progress = typeof body.progress === 'number' ? body.progress : undefined;
        expected = Math.max(expected, expectedFromProgress(Date.now() - started, progress, expected));
        wait.onProgress?.(progress === undefined ? { status } : { status, progress });
        continue;
      }
      if (READY.has(status)) return fetchSample(task, body, started, wait.signal);
      if (status === 'Request Moderated') {
        throw new ProviderError('REQUEST_MODERATED', 'the prompt or a reference was moderated', {
          detail: moderationDetail(body),
          charge: 'none',
        });
      }
      if (status === 'Content Moderated') {
        throw new ProviderError('CONTENT_MODERATED', 'the generated image was moderated', {
          detail: moderationDetail(body),
          charge: 'none',
        });
      }
      if (status === 'Error' || status === 'Failed') {
        throw new ProviderError('TASK_FAILED', `task ${task.taskId} failed`, {
          detail: moderationDetail(body),
          charge: 'unknown',
        });
      }
      throw new ProviderError('PROVIDER_PROTOCOL', `unknown task status "${status.slice(0, 40)}"`, {
        charge: 'unknown',
      });
    }
  }

  async function fetchSample(
    task: SubmittedTask,
    body: BflStatus,
    started: number,
    signal?: AbortSignal,
  ): Promise<ImageResult> {
    const sample = body.result?.sample;
    if (typeof sample !== 'string')
      throw new ProviderError('PROVIDER_PROTOCOL', 'Ready without result.sample', { charge: 'charged' });
    // The signed delivery URL needs no key, and the key must never reach that host.
    const image = await downloadImage(sample, { dispatcher, maxBytes, ...(signal ? { signal } : {}) });
    const result: ImageResult = {
      data: image.data,
      contentType: image.contentType,
      generationMs: Date.now() - started,
    };
    const cost = creditsToMicros(body.cost ?? body.result?.cost) ?? task.costMicros;
    if (cost !== undefined) result.costMicros = cost;
    return result;
  }

  return {
    name: 'bfl',
    submit,
    waitForResult,
    async credits() {
      const res = await requestJson(`${base}/v1/credits`, { method: 'GET', headers, dispatcher });
      if (res.status !== 200) throw bflError(res, 'credits');
      const credits = (res.body as { credits?: number }).credits;
      return creditsToMicros(credits);
    },
  };
}

function moderationDetail(body: BflStatus): string | undefined {
  const details = body.details ?? body.result?.details;
  if (!details) return undefined;
  return typeof details === 'string' ? details.slice(0, 200) : JSON.stringify(details).slice(0, 200);
}
