/**
 * Slack signs each HTTP request: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}">`
 * with the app's signing secret, and `X-Slack-Request-Timestamp` in seconds. A timestamp more than five
 * minutes from our clock either way is refused, so a captured request cannot be replayed later.
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const MAX_SKEW_S = 5 * 60;

export type SignatureCheck = 'ok' | 'bad-signature' | 'stale';

/** The secret as a key once, not a string re-imported on every request. */
export function slackSigningKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

export function checkSlackSignature(
  key: KeyObject,
  headers: IncomingHttpHeaders,
  raw: Buffer,
  nowMs: number,
): SignatureCheck {
  const timestamp = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return 'bad-signature';
  if (typeof signature !== 'string' || !/^v0=[0-9a-f]{64}$/i.test(signature)) return 'bad-signature';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SKEW_S) return 'stale';
  const ours = createHmac('sha256', key).update(`v0:${timestamp}:`).update(raw).digest();
  return timingSafeEqual(ours, Buffer.from(signature.slice(3), 'hex')) ? 'ok' : 'bad-signature';
}
