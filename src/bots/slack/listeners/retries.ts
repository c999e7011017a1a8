/**
 * One delivery, one start. Slack delivers again what it thinks went unanswered (an HTTP retry carries
 * `X-Slack-Retry-Num`, a Socket Mode envelope `retry_attempt`). Every payload that starts work carries
 * a trigger_id (commands, buttons, forms, shortcuts) or an event_id (Events API), the same on every
 * delivery of it, so the first delivery claims it in the store (which outlives a restart) and a later
 * one is acked, so Slack stops, and starts nothing. (A second click is a new trigger: not a retry.)
 */
import type { App } from '@slack/bolt';
import type { Logger } from '../../../core/logger.ts';

/** Longer than Slack keeps retrying (minutes), short enough that the record table stays small. */
export const SEEN_FOR_MS = 24 * 60 * 60_000;

export interface RetryGuardDeps {
  claimOnce(key: string, expiresAt: number): Promise<boolean>;
  logger: Logger;
  now: () => number;
}

/** The id that is the same on every delivery of one request, or undefined when there is none. */
export function deliveryKey(body: unknown): string | undefined {
  const b = body as { trigger_id?: unknown; event_id?: unknown };
  if (typeof b.trigger_id === 'string' && b.trigger_id) return `slack:trigger:${b.trigger_id}`;
  if (typeof b.event_id === 'string' && b.event_id) return `slack:event:${b.event_id}`;
  return undefined;
}

export function registerRetryGuard(app: App, deps: RetryGuardDeps): void {
  app.use(async (args) => {
    const key = deliveryKey(args.body);
    if (!key || (await deps.claimOnce(key, deps.now() + SEEN_FOR_MS))) {
      await args.next();
      return;
    }
    deps.logger.info(
      { retryNum: args.context.retryNum, retryReason: args.context.retryReason },
      'slack delivery seen before: acked, nothing started',
    );
    // Events API deliveries were acked by bolt already and carry no ack here.
    await (args as { ack?: () => Promise<void> }).ack?.();
  });
}
