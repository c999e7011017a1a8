/**
 * A failure must reach its requester, and Discord notifies nobody of a mention that an edit adds. So
 * once the card has turned red, a short new message — in the job's thread, else under the card — says
 * the card's line again with the requester's mention, `allowed_mentions` naming exactly them (outgoing.ts
 * keeps that one user and nothing else).
 */
import { type REST, Routes } from 'discord.js';
import type { Logger } from '../../core/logger.ts';
import { type Credentials, type DiscordDelivery, NO_AUTH } from './delivery.ts';
import type { MentionsAllowed } from './render.ts';

/**
 * What the card's sender calls after each edit: the first edited card that mentions its requester (a
 * failure) is followed by the notice; anything else, or a second time, by nothing.
 */
export function failureNotifier(
  deps: { rest: REST; logger: Logger },
  d: DiscordDelivery,
  creds: Credentials,
): (edited: { content: string; allowed_mentions?: MentionsAllowed }) => Promise<void> {
  let notified = false;
  return async ({ content, allowed_mentions }) => {
    if (!allowed_mentions || notified) return;
    notified = true;
    await notifyDiscordFailure(deps, d, creds, { content, allowed_mentions });
  };
}

/** Posts the notice; never throws (the red card already says it all, only without the ping). */
async function notifyDiscordFailure(
  deps: { rest: REST; logger: Logger },
  d: DiscordDelivery,
  creds: Credentials,
  notice: { content: string; allowed_mentions: MentionsAllowed },
): Promise<void> {
  const { rest, logger } = deps;
  const body = { content: notice.content, allowed_mentions: notice.allowed_mentions };
  try {
    if (d.threadId) {
      try {
        await rest.post(Routes.channelMessages(d.threadId), { body });
        return;
      } catch (err) {
        logger.info({ status: (err as { status?: number }).status }, 'the thread refused the failure notice');
      }
    }
    const reply = d.cardId ? { message_reference: { message_id: d.cardId, fail_if_not_exists: false } } : {};
    await creds.use(
      (token) => rest.post(Routes.webhook(d.appId, token), { body, ...NO_AUTH }),
      () => rest.post(Routes.channelMessages(d.channelId), { body: { ...body, ...reply } }),
    );
  } catch (err) {
    logger.warn({ err }, 'the failure notice was not posted; the card says it without a ping');
  }
}
