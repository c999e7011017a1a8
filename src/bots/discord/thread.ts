/**
 * The job's thread, made from its card: once, and safe to ask again after a lost answer (Discord says
 * 160004 when the message already has one, and a message's thread has the message's id).
 */

import { type REST, Routes } from 'discord.js';
import { ThreadAutoArchiveDuration } from 'discord-api-types/v10';
import type { Logger } from '../../core/logger.ts';
import { type DiscordDelivery, THREAD_EXISTS } from './delivery.ts';

export async function startJobThread(
  deps: { rest: REST; logger: Logger },
  d: DiscordDelivery,
  name: string,
): Promise<void> {
  if (d.threadId || d.threadFailed || d.noThreads || !d.cardId) return;
  try {
    const thread = (await deps.rest.post(Routes.threads(d.channelId, d.cardId), {
      body: { name: name.slice(0, 100), auto_archive_duration: ThreadAutoArchiveDuration.OneDay },
    })) as { id: string };
    d.threadId = thread.id;
  } catch (err) {
    const { status, code } = err as { status?: number; code?: number };
    // Made by an attempt whose answer was lost (a crash, a timeout): a message's thread has its id.
    if (Number(code) === THREAD_EXISTS) {
      d.threadId = d.cardId;
      return;
    }
    // No answer at all: the thread may exist. The retry asks again (and learns it from 160004).
    if (status === undefined) throw err;
    d.threadFailed = true;
    deps.logger.info({ status, code }, 'no thread for this job; posting under the card');
  }
}
