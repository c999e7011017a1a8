/**
 * Black Forest Labs' native API: `x-key` auth, submit → poll the returned `polling_url` as given →
 * download `result.sample` at once, never sending the key to the delivery host (see bfl-api.md).
 */
import { randomBytes } from 'node:crypto';
import { type Dispatcher, getGlobalDispatcher } from 'undici';
import { ProviderError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ModelCatalog } from '../models.ts';
import { creditsToMicros } from '../pricing.ts';
import { type BflWaitPolicy, DEFAULT_BFL_WAIT, waitForBflResult } from './bfl-poll.ts';
import { type BflSubmitAnswer, bflError, requestBody } from './bfl-wire.ts';
import { errorCode, type Http, requestJson } from './http.ts';
import { DEFAULT_POLL_POLICY, type PollPolicy } from './poll-policy.ts';
import { DEFAULT_SUBMIT_RETRY, type SubmitRetryPolicy, sendWithRetry } from './submit-retry.ts';
import type { Provider, SubmittedTask, TaskSpec } from './types.ts';

export interface BflProviderOptions {
  apiKey: string;
  /** BFL_API_BASE, e.g. https://api.bfl.ai or a regional host. */
  baseUrl: string;
  catalog: ModelCatalog;
  /** The shared dispatcher (tests inject their own); or `http` from createHttp(). */
  dispatcher?: Dispatcher;
  http?: Pick<Http, 'dispatcher'>;
  logger: Logger;
  /** Largest image accepted from the delivery host (default 40 MiB). */
  maxDownloadBytes?: number;
  pollPolicy?: Partial<PollPolicy>;
  /** Timeout, not-found and failure handling while waiting. */
  wait?: Partial<BflWaitPolicy>;
  /** Shorthand for wait.timeoutMs (default 300 s). */
  timeoutMs?: number;
  /** Retries of a submit that surely created nothing (connection failed before sending, 429). */
  retry?: Partial<SubmitRetryPolicy>;
  /** When set, TaskSpec.user is sent as an HMAC under this salt rather than as given. */
  userSalt?: string;
  /** The bot's public base URL (BFL_WEBHOOK_URL): each task asks BFL to call `{it}/bfl/webhook`. */
  webhookUrl?: string;
}

/** Where BFL calls us (see src/bfl-webhook.ts). */
export const BFL_WEBHOOK_PATH = '/bfl/webhook';

export function createBflProvider(options: BflProviderOptions): Provider {
  const { apiKey, catalog } = options;
  const dispatcher = options.dispatcher ?? options.http?.dispatcher ?? getGlobalDispatcher();
  const logger = options.logger;
  const base = options.baseUrl.replace(/\/+$/, '');
  const retry: SubmitRetryPolicy = { ...DEFAULT_SUBMIT_RETRY, ...options.retry };
  const webhookUrl = options.webhookUrl ? `${options.webhookUrl.replace(/\/+$/, '')}${BFL_WEBHOOK_PATH}` : '';
  const poll = {
    apiKey,
    baseUrl: base,
    dispatcher,
    logger,
    maxDownloadBytes: options.maxDownloadBytes ?? 40 * 1024 * 1024,
    policy: { ...DEFAULT_POLL_POLICY, ...options.pollPolicy },
    wait: {
      ...DEFAULT_BFL_WAIT,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...options.wait,
    },
  };
  // Never logged, never put in a message: the headers object stays inside these calls.
  const headers = { 'x-key': apiKey, 'content-type': 'application/json', accept: 'application/json' };

  async function submit(task: TaskSpec, signal?: AbortSignal): Promise<SubmittedTask> {
    const model = catalog[task.request.model];
    const fields = requestBody(task, model, options.userSalt);
    // Random per task, so one leaked secret forges nothing else; only its owner's webhook can wake it.
    const secret = webhookUrl ? randomBytes(24).toString('base64url') : undefined;
    if (secret) Object.assign(fields, { webhook_url: webhookUrl, webhook_secret: secret });
    const body = JSON.stringify(fields);
    const url = `${base}/v1/${model.path}`;
    const res = await sendWithRetry(
      () => requestJson(url, { method: 'POST', headers, body, dispatcher, ...(signal ? { signal } : {}) }),
      { what: `BFL submit (${model.path})`, policy: retry, logger, ...(signal ? { signal } : {}) },
    );
    if (res.status !== 200) {
      const err = bflError(res, 'submit', apiKey);
      logger.warn({ model: model.path, status: res.status, code: err.code }, 'BFL refused the submit');
      throw err;
    }
    const answer = (res.body && typeof res.body === 'object' ? res.body : {}) as BflSubmitAnswer;
    // With a webhook the answer may leave polling_url out: the API's own get_result is the fallback.
    if (secret && typeof answer.id === 'string' && typeof answer.polling_url !== 'string')
      answer.polling_url = `${base}/v1/get_result?id=${encodeURIComponent(answer.id)}`;
    if (typeof answer.id !== 'string' || typeof answer.polling_url !== 'string') {
      // A 200 means the task exists and is billed, even if we cannot follow it.
      throw new ProviderError('PROVIDER_PROTOCOL', 'BFL submit answer has no id or polling_url', {
        charge: 'unknown',
      });
    }
    const submitted: SubmittedTask = {
      taskId: answer.id,
      pollingUrl: answer.polling_url,
      submittedAt: Date.now(),
    };
    if (secret) submitted.webhookSecret = secret;
    const cost = creditsToMicros(answer.cost);
    if (cost !== undefined) submitted.costMicros = cost;
    if (typeof answer.input_mp === 'number') submitted.inputMp = answer.input_mp;
    if (typeof answer.output_mp === 'number') submitted.outputMp = answer.output_mp;
    logger.debug(
      { model: model.path, providerTask: answer.id, pollingUrl: answer.polling_url, cost: answer.cost },
      'BFL task submitted',
    );
    return submitted;
  }

  return {
    name: 'bfl',
    submit,
    waitForResult: (task, wait) => waitForBflResult(poll, task, wait),
    async credits() {
      let res: Awaited<ReturnType<typeof requestJson>>;
      try {
        res = await requestJson(`${base}/v1/credits`, { method: 'GET', headers, dispatcher });
      } catch (err) {
        throw new ProviderError(
          'PROVIDER_UNAVAILABLE',
          `BFL credits failed: ${errorCode(err) ?? (err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      if (res.status !== 200) throw bflError(res, 'credits', apiKey);
      const credits = (res.body as { credits?: unknown } | undefined)?.credits;
      return typeof credits === 'number' ? creditsToMicros(credits) : undefined;
    },
  };
}
