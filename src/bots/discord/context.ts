/**
 * The CommandContext on Discord. While the interaction token lives (15 minutes) the card is the
 * interaction's own message; after that — a long queue, a restart — everything goes through the bot
 * token on channel routes. Results go in a thread started from the card (bot token: follow-up webhooks
 * cannot target threads), or under the card where no thread can be made or the thread refuses them.
 */
import { type RawFile, type REST, Routes } from 'discord.js';
import { type APIInteractionResponse, InteractionResponseType, MessageFlags } from 'discord-api-types/v10';
import type { Actor, Card, CommandContext, Form, PostedResult, ResultPost } from '../../commands/context.ts';
import { pickLocale } from '../../commands/i18n/locale.ts';
import { FluxError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { createCardUpdates } from '../card-updates.ts';
import { removeDiscordResult, tellDiscordRequester } from './after-result.ts';
import {
  createCredentials,
  type DiscordDelivery,
  EDIT_INTERVAL_MS,
  isPlaceRefused,
  NO_AUTH,
  nonceFor,
} from './delivery.ts';
import { failureNotifier } from './failure-notice.ts';
import { type AttachmentAccess, resolveDiscordReferences } from './references.ts';
import { buttonRows, cardMessage, modal, privately, resultLink, resultMessage } from './render.ts';
import { discordTexts } from './texts.ts';
import { startJobThread } from './thread.ts';
import { attachmentsFor, fitAll, isTooLarge } from './upload.ts';

export type { DiscordDelivery } from './delivery.ts';

export interface DiscordContextDeps {
  rest: REST;
  logger: Logger;
  /** Where Discord serves attachments, to check a reference still exists before anything is spent. */
  attachments: AttachmentAccess;
  now?: () => number;
}

/**
 * The first response of an interaction still being worked out (a button that opens a form): a form or
 * a private text becomes that response instead of a follow-up. `take` says whether it was taken.
 */
export interface FirstResponse {
  take(response: APIInteractionResponse): boolean;
}

/** The CommandContext on Discord, whose delivery record is typed. */
export interface DiscordContext extends CommandContext {
  delivery(): DiscordDelivery;
}

type Posted = { id: string; channel_id: string; attachments?: Array<{ url: string }> };

export function createDiscordContext(
  deps: DiscordContextDeps,
  delivery: DiscordDelivery,
  actor: Actor,
  first?: FirstResponse,
): DiscordContext {
  const { rest, logger } = deps;
  const now = deps.now ?? Date.now;
  const d = delivery;
  const creds = createCredentials(d, now, logger);

  const notifyOnce = failureNotifier({ rest, logger }, d, creds);
  async function send(card: Card): Promise<void> {
    const body = cardMessage(card);
    const cardId = d.cardId;
    if (cardId) {
      await creds.use(
        (token) => rest.patch(Routes.webhookMessage(d.appId, token, cardId), { body, ...NO_AUTH }),
        () => rest.patch(Routes.channelMessage(d.channelId, cardId), { body }),
      );
      // An edit's mention notifies nobody: the requester of a failure is pinged by a new message.
      await notifyOnce(body);
      return;
    }
    // The deferred reply becomes the card; a button's interaction has no message of its own to edit.
    const message = (await creds.use(
      (token) =>
        d.original === 'deferred'
          ? rest.patch(Routes.webhookMessage(d.appId, token, '@original'), { body, ...NO_AUTH })
          : rest.post(Routes.webhook(d.appId, token), { body, ...NO_AUTH }),
      () => rest.post(Routes.channelMessages(d.channelId), { body }),
    )) as Posted;
    d.cardId = message.id;
  }

  const cards = createCardUpdates({
    send,
    exists: () => Boolean(d.cardId),
    intervalMs: EDIT_INTERVAL_MS,
    logger,
    now,
  });

  /** Stores the delivery with the job (set while a result is being posted). */
  let checkpointNow: () => Promise<void> = async () => undefined;

  const record = (m: Posted, channelId: string, via: 'webhook' | 'bot'): Posted => {
    d.results = [...(d.results ?? []), { id: m.id, channelId, via }];
    return m;
  };

  async function postTo(post: ResultPost, files: RawFile[], notes: string[]): Promise<Posted> {
    const body = {
      ...resultMessage(post, notes),
      attachments: attachmentsFor(files, post.images),
    };
    // Bot-token posts carry the job's nonce: a repeat (our retry, a restart) gets the message already made.
    const once = { nonce: nonceFor(post.jobId, 'result'), enforce_nonce: true };
    const threadId = d.threadId;
    if (threadId) {
      try {
        const m = (await rest.post(Routes.channelMessages(threadId), {
          body: { ...body, ...once },
          files,
        })) as Posted;
        return record(m, threadId, 'bot');
      } catch (err) {
        // The thread was deleted, archived and locked, or is closed to the bot: the card's place still works.
        if (!isPlaceRefused(err)) throw err;
        logger.info({ status: (err as { status?: number }).status }, 'the thread refused the result');
        delete d.threadId;
        d.threadFailed = true;
      }
    }
    return creds.use(
      async (token) => {
        // Follow-ups take no nonce: a lost answer here is the one repeat no record can rule out.
        if (d.followUpSent) logger.warn('a result follow-up may have been posted already; posting again');
        d.followUpSent = true;
        await checkpointNow();
        const m = (await rest.post(Routes.webhook(d.appId, token), { body, files, ...NO_AUTH })) as Posted;
        return record(m, m.channel_id, 'webhook');
      },
      async () => {
        const reply = d.cardId
          ? { message_reference: { message_id: d.cardId, fail_if_not_exists: false } }
          : {};
        const m = (await rest.post(Routes.channelMessages(d.channelId), {
          body: { ...body, ...reply, ...once },
          files,
        })) as Posted;
        return record(m, d.channelId, 'bot');
      },
    );
  }

  return {
    platform: 'discord',
    actor,
    ...(d.guildId ? { workspaceId: d.guildId } : {}),
    channelId: d.channelId,

    async replyPrivate(text, images = [], buttons = []) {
      const files: RawFile[] = images.map((i) => ({
        name: i.name,
        data: i.data,
        contentType: i.contentType,
      }));
      const attachments = attachmentsFor(files, images);
      const content = text.slice(0, 2000);
      const components = buttons.length ? { components: buttonRows(buttons) } : {};
      if (!files.length && first?.take(privately(content, buttons))) {
        // The interaction's own message is this private one: a card comes later as a follow-up.
        d.original = 'none';
        return;
      }
      await creds.use(
        async (token) => {
          if (d.original === 'deferred' && !d.cardId) {
            // The public "thinking…" placeholder must not stay behind when the answer is private.
            await rest
              .delete(Routes.webhookMessage(d.appId, token, '@original'), NO_AUTH)
              .catch(() => undefined);
            // Gone: a card shown later (a confirmed job) is a follow-up of its own.
            d.original = 'none';
          }
          await rest.post(Routes.webhook(d.appId, token), {
            body: {
              content,
              flags: MessageFlags.Ephemeral,
              ...components,
              ...(files.length ? { attachments } : {}),
            },
            files,
            ...NO_AUTH,
          });
        },
        // Only the interaction can whisper; the channel must not hear what was meant for one member.
        async () => logger.info('a private reply was due after the interaction expired; not sent'),
      );
    },

    showCard: (card) => cards.show(card),

    async postResult(post, threadName, checkpoint): Promise<PostedResult> {
      if (d.posted) return d.posted;
      const save = async () => checkpoint?.(this.delivery());
      checkpointNow = save;
      await cards.settled();
      await startJobThread({ rest, logger }, d, threadName);
      await save();
      const locale = post.locale ?? 'en';
      const fitted = await fitAll(post.images, d.uploadLimit, 'server', locale);
      let message: Posted;
      try {
        message = await postTo(post, fitted.files, [...post.notes, ...fitted.notes]);
      } catch (err) {
        if (isPlaceRefused(err))
          throw new FluxError('CHANNEL_UNAVAILABLE', `cannot post in ${d.channelId}`, { cause: err });
        // Each file fits, yet the message as a whole was refused: send copies half the size in all.
        if (!isTooLarge(err)) throw err;
        const total = fitted.files.reduce((sum, f) => sum + (f.data as Buffer).length, 0);
        const share = Math.floor(total / 2 / Math.max(1, post.images.length));
        const smaller = await fitAll(post.images, Math.min(d.uploadLimit, share), 'message', locale);
        message = await postTo(post, smaller.files, [...post.notes, ...smaller.notes]);
      }
      const imageUrls = (message.attachments ?? []).map((a) => a.url);
      d.posted = { imageUrls, link: resultLink(d, message, post.locale) };
      await save();
      return d.posted;
    },

    removeResult: () => removeDiscordResult({ rest, logger }, d, creds),

    tellRequester: (text, images) => tellDiscordRequester({ rest, logger }, d, creds, actor.id, text, images),

    async openForm(form: Form) {
      if (first?.take({ type: InteractionResponseType.Modal, data: modal(form) })) return;
      await this.replyPrivate(discordTexts(pickLocale(actor.locale)).pressAgain);
    },

    resolveReferences: (refs) =>
      resolveDiscordReferences(refs, { rest, logger, now, attachments: deps.attachments }),

    delivery(): DiscordDelivery {
      // A dead token is of no use to anyone: `undefined` removes it from the stored (merged) delivery.
      return creds.tokenAlive() ? { ...d } : { ...d, token: undefined, tokenExpiresAt: 0 };
    },
  };
}
