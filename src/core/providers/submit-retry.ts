/**
 * Sending a billable POST. There is no idempotency key and no cancel endpoint, so a POST is sent again
 * only when it surely created nothing: the connection failed before the request left, or the provider
 * answered 429 (refused, not billed). A 5xx or a timeout after sending may have created a billed task:
 * that is thrown with charge 'unknown', never retried.
 */
import { ProviderError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { errorCode, failedBeforeSending, type JsonResponse, retryAfterSeconds } from './http.ts';
import { sleep } from './sleep.ts';

export interface SubmitRetryPolicy {
  /** Tries in all when the connection failed before the request was sent. */
  connectAttempts: number;
  /** Tries in all when the provider answered 429; the last 429 goes to the caller (the scheduler). */
  rateLimitAttempts: number;
  /** Backoff without a Retry-After: base × 2^n with jitter, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A longer Retry-After is cut to this: the scheduler backs off further once we give up. */
  maxRetryAfterMs: number;
}

export const DEFAULT_SUBMIT_RETRY: SubmitRetryPolicy = {
  connectAttempts: 3,
  rateLimitAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 10_000,
};

export interface SendContext {
  /** For logs and error messages, e.g. "BFL submit". Never a URL with a secret, never a key. */
  what: string;
  policy: SubmitRetryPolicy;
  logger: Logger;
  signal?: AbortSignal;
  /** Whether a 429 is worth retrying (a gateway's "quota exhausted" 429 is not). Default: all are. */
  retryable429?: (res: JsonResponse) => boolean;
}

/** Sends until it gets an answer (any status but a retried 429) or a failure that must not be retried. */
export async function sendWithRetry(
  send: () => Promise<JsonResponse>,
  ctx: SendContext,
): Promise<JsonResponse> {
  const { policy, logger, signal } = ctx;
  let connectTries = 0;
  let rateTries = 0;
  for (;;) {
    let res: JsonResponse;
    try {
      res = await send();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof ProviderError) throw err;
      const code = errorCode(err);
      const neverSent = failedBeforeSending(err);
      connectTries++;
      if (neverSent && connectTries < policy.connectAttempts) {
        const waitMs = backoff(policy, connectTries);
        logger.warn(
          { attempt: connectTries, code, waitMs },
          `${ctx.what}: not sent (connection failed); retrying`,
        );
        await sleep(waitMs, signal);
        continue;
      }
      throw new ProviderError(
        'PROVIDER_UNAVAILABLE',
        `${ctx.what} failed${neverSent ? ' before sending' : ' after sending'}: ${code ?? (err as Error).message}`,
        { cause: err, charge: neverSent ? 'none' : 'unknown' },
      );
    }
    if (res.status !== 429 || ctx.retryable429?.(res) === false) return res;
    rateTries++;
    if (rateTries >= policy.rateLimitAttempts) return res;
    const after = retryAfterSeconds(res.headers);
    const waitMs =
      after === undefined ? backoff(policy, rateTries) : Math.min(policy.maxRetryAfterMs, after * 1000);
    logger.warn({ attempt: rateTries, retryAfter: after, waitMs }, `${ctx.what}: busy (429); retrying`);
    await sleep(waitMs, signal);
  }
}

/** Exponential backoff with jitter, so tasks refused together do not come back together. */
export function backoff(
  policy: Pick<SubmitRetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  attempt: number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + Math.random() * 0.5));
}
