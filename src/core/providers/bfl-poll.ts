/**
 * Waiting for a BFL task: GET the returned polling_url exactly as given (it names the cluster that holds
 * the task), paced by the poll policy, until a terminal status; on Ready, download result.sample at once
 * and without the key. GETs are safe to repeat, so poll failures are retried; nothing here submits.
 */
import type { Dispatcher } from 'undici';
import { ProviderError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { creditsToMicros } from '../pricing.ts';
import { trustedPollingUrl } from './bfl-hosts.ts';
import { type BflStatus, bflError, terminalError } from './bfl-wire.ts';
import { downloadImage, errorCode, type JsonResponse, requestJson, retryAfterSeconds } from './http.ts';
import { nextPollDelay, type PollPolicy, priorEstimate } from './poll-policy.ts';
import { createWaker } from './sleep.ts';
import { backoff } from './submit-retry.ts';
import type { ImageResult, SubmittedTask, WaitOptions } from './types.ts';

export interface BflWaitPolicy {
  /** Give up after this long from submit (BFL's SDK: 300 s). The charge is then unknown. */
  timeoutMs: number;
  /** "Task not found" answers tolerated before giving up (a cluster may not know a fresh task yet). */
  notFoundRetries: number;
  /** First delay after "Task not found", doubling up to 1 s. */
  notFoundDelayMs: number;
  /** Consecutive failed polls (network, 5xx, 429) tolerated before giving up. */
  maxPollFailures: number;
  /** First delay after a failed poll, doubling (with jitter) up to 2 s. */
  failureDelayMs: number;
  /** A poll's Retry-After is honoured up to this. */
  maxRetryAfterMs: number;
  /** Used when the caller has no estimate. */
  defaultExpectedMs: number;
  /** Download tries; each retry polls again first, for a fresh signed link. */
  downloadAttempts: number;
}

export const DEFAULT_BFL_WAIT: BflWaitPolicy = {
  timeoutMs: 300_000,
  notFoundRetries: 5,
  notFoundDelayMs: 250,
  maxPollFailures: 8,
  failureDelayMs: 200,
  maxRetryAfterMs: 5_000,
  defaultExpectedMs: 5_000,
  downloadAttempts: 2,
};

export interface PollContext {
  apiKey: string;
  /** The API base: polling URLs elsewhere than its domain (or bfl.ai) never get the key. */
  baseUrl: string;
  dispatcher: Dispatcher;
  logger: Logger;
  maxDownloadBytes: number;
  policy: PollPolicy;
  wait: BflWaitPolicy;
}

/** A wait that starts later than this after submit is a resume: its duration says nothing of the model. */
const FRESH_WAIT_MS = 5_000;
const PENDING = new Set(['Pending', 'Reasoning', 'Generating', 'Queued', 'Processing']);

export { trustedPollingUrl };

export async function waitForBflResult(
  ctx: PollContext,
  task: SubmittedTask,
  options: WaitOptions = {},
): Promise<ImageResult> {
  const { signal } = options;
  const pollingUrl = task.pollingUrl;
  if (!pollingUrl)
    throw new ProviderError('PROVIDER_PROTOCOL', 'task has no polling_url', { charge: 'unknown' });
  if (!trustedPollingUrl(pollingUrl, ctx.baseUrl)) {
    // A stored task is data: a tampered row must not be able to send the key somewhere else.
    throw new ProviderError('PROVIDER_PROTOCOL', 'polling_url is not on a BFL host', { charge: 'unknown' });
  }
  const log = ctx.logger.child({ providerTask: task.taskId });
  const headers = { 'x-key': ctx.apiKey, accept: 'application/json' };
  const waitStart = Date.now();
  const started = task.submittedAt ?? waitStart;
  const deadline = started + ctx.wait.timeoutMs;
  const given = options.expectedMs;
  const estimate =
    options.estimate ??
    priorEstimate(
      given !== undefined && Number.isFinite(given) && given > 0 ? given : ctx.wait.defaultExpectedMs,
      ctx.policy,
    );
  // With a webhook BFL calls us when the task is done: polls are only the fallback for a lost call.
  const webhook = task.webhookSecret !== undefined;
  const waker = createWaker();
  let woken = false;
  options.onWake?.(() => {
    woken = true;
    waker.wake();
  });
  let polls = 0;
  // The task was not ready when the last "in progress" poll was sent (ms after submit).
  let notReadyAt = 0;
  let notFound = 0;
  let failures = 0;
  let downloads = 0;
  let retryIn: number | undefined;
  let lastStatus = '';
  /** onReady is told once, even when a failed download polls again for a fresh link. */
  let readySeen = false;

  for (;;) {
    const now = Date.now();
    if (polls > 0 && now >= deadline) {
      throw new ProviderError('TASK_TIMEOUT', `task not ready after ${ctx.wait.timeoutMs} ms`, {
        charge: 'unknown',
      });
    }
    const delay = retryIn ?? nextPollDelay(now - started, polls, estimate, ctx.policy, webhook);
    retryIn = undefined;
    await waker.sleep(Math.min(delay, Math.max(0, deadline - now)), signal);

    const sentAt = Date.now();
    const wokenPoll = woken;
    woken = false;
    let res: JsonResponse;
    try {
      res = await requestJson(pollingUrl, { method: 'GET', headers, dispatcher: ctx.dispatcher, signal });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof ProviderError) throw err;
      if (++failures > ctx.wait.maxPollFailures) {
        const why = errorCode(err) ?? (err as Error).message;
        throw new ProviderError('PROVIDER_UNAVAILABLE', `BFL poll failed: ${why}`, {
          cause: err,
          charge: 'unknown',
        });
      }
      retryIn = backoff({ baseDelayMs: ctx.wait.failureDelayMs, maxDelayMs: 2_000 }, failures);
      log.warn({ code: errorCode(err), failures, retryIn }, 'BFL poll failed; retrying');
      continue;
    }
    polls++;
    const body = (res.body && typeof res.body === 'object' ? res.body : {}) as BflStatus;
    const status = typeof body.status === 'string' ? body.status : '';

    if (res.status === 404 || status === 'Task not found') {
      if (++notFound > ctx.wait.notFoundRetries) {
        throw new ProviderError('TASK_NOT_FOUND', `task not found after ${notFound} polls`, {
          status: res.status,
          charge: 'unknown',
        });
      }
      retryIn = Math.min(1_000, ctx.wait.notFoundDelayMs * 2 ** (notFound - 1));
      log.debug({ notFound, retryIn }, 'BFL: task not found yet');
      continue;
    }
    if (res.status === 429 || res.status >= 500) {
      if (++failures > ctx.wait.maxPollFailures) throw bflError(res, 'poll', ctx.apiKey);
      const after = retryAfterSeconds(res.headers);
      retryIn =
        after === undefined
          ? backoff({ baseDelayMs: ctx.wait.failureDelayMs, maxDelayMs: 2_000 }, failures)
          : Math.min(ctx.wait.maxRetryAfterMs, after * 1000);
      log.warn({ status: res.status, failures, retryIn }, 'BFL poll answered an error; retrying');
      continue;
    }
    if (res.status !== 200) throw bflError(res, 'poll', ctx.apiKey);
    failures = 0;
    notFound = 0;

    switch (status) {
      case 'Ready':
      case 'SUCCESS': {
        if (!readySeen) {
          readySeen = true;
          // Only a wait watched from the start says how long the model takes; with a webhook, only a
          // poll the webhook caused (a fallback poll's "ready by" may be long after the fact).
          const timed = waitStart - started < FRESH_WAIT_MS && (!webhook || wokenPoll);
          // BFL no longer counts the task: the slot goes to the next one while this image downloads.
          tell(log, 'ready', () =>
            options.onReady?.(
              timed ? { generationMs: Date.now() - started, generationAfterMs: notReadyAt } : {},
            ),
          );
        }
        try {
          const result = await download(ctx, task, body, signal);
          log.debug({ polls, ms: Date.now() - started, bytes: result.data.length }, 'BFL task delivered');
          return result;
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          if (!retryableDownload(err) || ++downloads >= ctx.wait.downloadAttempts) throw err;
          // An expired or broken link: a fresh poll gives a freshly signed one.
          log.warn({ code: (err as ProviderError).code }, 'BFL sample download failed; polling again');
          retryIn = 0;
          continue;
        }
      }
      default: {
        const terminal = terminalError(status, body);
        if (terminal) throw terminal;
        // New in-progress words are tolerated: the timeout still bounds the wait.
        if (!PENDING.has(status) && status !== lastStatus)
          log.warn({ status: status.slice(0, 40) }, 'BFL: unknown task status; still waiting');
        lastStatus = status;
        notReadyAt = Math.max(notReadyAt, sentAt - started);
        const progress = typeof body.progress === 'number' ? body.progress : undefined;
        tell(log, 'progress', () =>
          options.onProgress?.(progress === undefined ? { status } : { status, progress }),
        );
      }
    }
  }
}

async function download(
  ctx: PollContext,
  task: SubmittedTask,
  body: BflStatus,
  signal: AbortSignal | undefined,
): Promise<ImageResult> {
  const sample = body.result?.sample;
  if (typeof sample !== 'string')
    throw new ProviderError('PROVIDER_PROTOCOL', 'Ready without result.sample', { charge: 'charged' });
  // The signed delivery URL needs no key, and the key must never reach that host.
  const image = await downloadImage(sample, {
    dispatcher: ctx.dispatcher,
    maxBytes: ctx.maxDownloadBytes,
    ...(signal ? { signal } : {}),
  });
  const result: ImageResult = { data: image.data, contentType: image.contentType };
  // The final poll may carry the settled cost; else the submit's stands.
  const cost = creditsToMicros(body.cost ?? body.result?.cost) ?? task.costMicros;
  if (cost !== undefined) result.costMicros = cost;
  return result;
}

function retryableDownload(err: unknown): boolean {
  return err instanceof ProviderError && err.code === 'DOWNLOAD_FAILED';
}

/** A listener's throw must not end the wait for a task that is paid for. */
function tell(log: Logger, what: string, call: () => void): void {
  try {
    call();
  } catch (err) {
    log.warn({ err }, `${what} listener threw`);
  }
}
