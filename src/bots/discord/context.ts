/**
 * The CommandContext on Discord. While the interaction token lives (15 minutes) the card is the
 * interaction's own message; after that — a long queue, a restart — everything goes through the bot
 * token on channel routes. Results go in a thread started from the card (bot token: follow-up webhooks
 * cannot target threads), or under the card where no thread can be made.
 */
import { type RawFile, type REST, Routes } from 'discord.js';
import type {
  Actor,
  Card,
  CommandContext,
  ContextFactory,
  Form,
  PostedResult,
  ResultPost,
} from '../../commands/context.ts';
import { ValidationError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Reference } from '../../core/request.ts';
import { createCardUpdates } from '../card-updates.ts';
import { cardMessage, modal, resultMessage } from './render.ts';
import { fitUpload } from './upload.ts';

export const TOKEN_LIFETIME_MS = 15 * 60_000;
/** Edits closer together than this are coalesced (Discord rate-limits message edits). */
export const EDIT_INTERVAL_MS = 1_000;
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

export interface DiscordDelivery {
  appId: string;
  channelId: string;
  guildId?: string;
  /** The interaction token (short-lived; never logged) and when it stops working. */
  token?: string;
  tokenExpiresAt?: number;
  /** What the interaction's own message is: a deferred reply that becomes the card, or none (buttons). */
  original: 'deferred' | 'none';
  cardId?: string;
  /** The channel cannot hold a new thread (a DM, or already a thread). */
  noThreads?: boolean;
  threadId?: string;
  threadFailed?: boolean;
  results?: Array<{ id: string; channelId: string; via: 'webhook' | 'bot' }>;
  uploadLimit: number;
}

export interface DiscordContextDeps {
  rest: REST;
  logger: Logger;
  now?: () => number;
}

/** The first response of a live interaction (HTTP response body or callback POST), once. */
export type Respond = (body: unknown) => Promise<void>;

export function createDiscordContext(
  deps: DiscordContextDeps,
  delivery: DiscordDelivery,
  actor: Actor,
  respond?: { send: Respond; done: () => boolean },
): CommandContext {
  const { rest, logger } = deps;
  const now = deps.now ?? Date.now;
  const d = delivery;
  const tokenAlive = () => Boolean(d.token && d.tokenExpiresAt && now() < d.tokenExpiresAt);
  async function send(card: Card): Promise<void> {
    const body = cardMessage(card);
    if (d.cardId) {
      if (tokenAlive())
        await rest.patch(Routes.webhookMessage(d.appId, d.token as string, d.cardId), { body, auth: false });
      else await rest.patch(Routes.channelMessage(d.channelId, d.cardId), { body });
      return;
    }
    let message: { id: string; channel_id: string };
    if (tokenAlive() && d.original === 'deferred') {
      message = (await rest.patch(Routes.webhookMessage(d.appId, d.token as string, '@original'), {
        body,
        auth: false,
      })) as typeof message;
    } else if (tokenAlive()) {
      message = (await rest.post(Routes.webhook(d.appId, d.token as string), {
        body,
        auth: false,
      })) as typeof message;
    } else {
      message = (await rest.post(Routes.channelMessages(d.channelId), { body })) as typeof message;
    }
    d.cardId = message.id;
  }

  const cards = createCardUpdates({
    send,
    exists: () => Boolean(d.cardId),
    intervalMs: EDIT_INTERVAL_MS,
    logger,
    now,
  });

  async function postTo(
    post: ResultPost,
    files: RawFile[],
    notes: string[],
  ): Promise<{ id: string; channel_id: string; attachments?: Array<{ url: string }> }> {
    const body = {
      ...resultMessage(post, notes),
      attachments: files.map((f, i) => ({ id: i, filename: f.name })),
    };
    if (d.threadId) {
      const m = (await rest.post(Routes.channelMessages(d.threadId), { body, files })) as {
        id: string;
        channel_id: string;
      };
      d.results = [...(d.results ?? []), { id: m.id, channelId: d.threadId, via: 'bot' }];
      return m;
    }
    if (tokenAlive()) {
      const m = (await rest.post(Routes.webhook(d.appId, d.token as string), {
        body,
        files,
        auth: false,
      })) as { id: string; channel_id: string };
      d.results = [...(d.results ?? []), { id: m.id, channelId: m.channel_id, via: 'webhook' }];
      return m;
    }
    const reply = d.cardId ? { message_reference: { message_id: d.cardId, fail_if_not_exists: false } } : {};
    const m = (await rest.post(Routes.channelMessages(d.channelId), {
      body: { ...body, ...reply },
      files,
    })) as { id: string; channel_id: string };
    d.results = [...(d.results ?? []), { id: m.id, channelId: d.channelId, via: 'bot' }];
    return m;
  }

  return {
    platform: 'discord',
    actor,
    ...(d.guildId ? { workspaceId: d.guildId } : {}),
    channelId: d.channelId,

    async replyPrivate(text, images = []) {
      const files: RawFile[] = images.map((i) => ({
        name: i.name,
        data: i.data,
        contentType: i.contentType,
      }));
      const attachments = files.map((f, i) => ({ id: i, filename: f.name }));
      if (respond && !respond.done() && !files.length) {
        await respond.send({ type: 4, data: { content: text.slice(0, 2000), flags: 64 } });
        return;
      }
      if (!tokenAlive()) {
        logger.info('a private reply was due after the interaction expired; not sent');
        return;
      }
      if (d.original === 'deferred' && !d.cardId) {
        // The public "thinking…" placeholder must not stay behind when the answer is private.
        await rest
          .delete(Routes.webhookMessage(d.appId, d.token as string, '@original'), { auth: false })
          .catch(() => undefined);
      }
      await rest.post(Routes.webhook(d.appId, d.token as string), {
        body: { content: text.slice(0, 2000), flags: 64, ...(files.length ? { attachments } : {}) },
        files,
        auth: false,
      });
    },

    showCard: (card) => cards.show(card),

    async postResult(post, threadName): Promise<PostedResult> {
      await cards.settled();
      if (!d.threadId && !d.threadFailed && !d.noThreads && d.cardId) {
        try {
          const thread = (await rest.post(Routes.threads(d.channelId, d.cardId), {
            body: { name: threadName.slice(0, 100), auto_archive_duration: 1440 },
          })) as { id: string };
          d.threadId = thread.id;
        } catch (err) {
          d.threadFailed = true;
          logger.info(
            { status: (err as { status?: number }).status, code: (err as { code?: number }).code },
            'no thread for this job; posting under the card',
          );
        }
      }
      const notes = [...post.notes];
      const files: RawFile[] = [];
      for (const image of post.images) {
        const fitted = await fitUpload(image, d.uploadLimit);
        if (fitted.note) notes.push(fitted.note);
        files.push({ name: fitted.name, data: fitted.data, contentType: fitted.contentType });
      }
      const message = await postTo(post, files, notes);
      return { imageUrls: (message.attachments ?? []).map((a) => a.url) };
    },

    async removeResult() {
      for (const r of d.results ?? []) {
        const route =
          r.via === 'webhook' && tokenAlive()
            ? Routes.webhookMessage(d.appId, d.token as string, r.id)
            : Routes.channelMessage(r.channelId, r.id);
        await rest
          .delete(route, r.via === 'webhook' && tokenAlive() ? { auth: false } : {})
          .catch((err: unknown) => logger.warn({ err }, 'delete failed'));
      }
      d.results = [];
    },

    async openForm(form: Form) {
      if (!respond || respond.done()) {
        await this.replyPrivate('Please press the button again to open the form.');
        return;
      }
      await respond.send({ type: 9, data: modal(form) });
    },

    async resolveReferences(refs): Promise<Reference[]> {
      // On Discord these links only ever come from Discord itself (attachments, our own results): they
      // are passed on for the provider to fetch, never fetched here with any credential.
      return refs.map((url, i) => {
        if (!/^https?:\/\//i.test(url)) {
          throw new ValidationError('REFERENCE_INVALID', `reference ${i + 1}`, 'a link to an image', url);
        }
        return { kind: 'url', url };
      });
    },

    delivery() {
      return { ...d } as unknown as Record<string, unknown>;
    },
  };
}

export function createDiscordFactory(deps: DiscordContextDeps): ContextFactory {
  return {
    restore(delivery, actor) {
      return createDiscordContext(deps, delivery as unknown as DiscordDelivery, actor);
    },
  };
}
