/**
 * The CommandContext on Slack. Slash commands cannot run in threads, so the card is a parent message
 * in the channel and everything else goes in its thread. Private answers are ephemeral messages, or the
 * command's response_url where the bot cannot post (not in the channel, a DM it was not added to).
 */
import type { webApi } from '@slack/bolt';
import { type Dispatcher, request } from 'undici';
import type {
  Actor,
  CommandContext,
  ContextFactory,
  Form,
  OutputImage,
  PostedResult,
} from '../../commands/context.ts';
import { FluxError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { createCardUpdates } from '../card-updates.ts';
import { cardBlocks, clip, md, resultBlocks } from './blocks.ts';
import { resolveSlackReferences, type SlackFileDeps, slackFileReference } from './files.ts';
import { modalView } from './modal.ts';
import { privateSlackText } from './text.ts';

/** chat.update is rate-limited (about one a second per channel): coalesce faster changes. */
export const EDIT_INTERVAL_MS = 1_200;
const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;
const NOT_POSTABLE = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'restricted_action',
  'cannot_dm_bot',
  'ekm_access_denied',
]);

export interface SlackDelivery {
  teamId?: string;
  channelId: string;
  userId: string;
  /** The command's response_url (5 posts within 30 minutes, needs no token). */
  responseUrl?: string;
  responseUrlExpiresAt?: number;
  cardTs?: string;
  /** The command came from inside a thread (a shortcut or button on a reply): the card and results stay in it. */
  inThreadTs?: string;
  results?: Array<{ ts?: string; fileIds: string[] }>;
}

export interface SlackContextDeps {
  client: webApi.WebClient;
  files: SlackFileDeps;
  dispatcher: Dispatcher;
  logger: Logger;
  now?: () => number;
}

export function createSlackContext(
  deps: SlackContextDeps,
  delivery: SlackDelivery,
  actor: Actor,
  triggerId?: string,
): CommandContext {
  const { client, logger } = deps;
  const now = deps.now ?? Date.now;
  const d = delivery;

  const platformError = (err: unknown): string | undefined =>
    (err as { data?: { error?: string } }).data?.error;

  const unpostable = (err: unknown): FluxError | undefined => {
    const code = platformError(err);
    return code && NOT_POSTABLE.has(code)
      ? new FluxError('CHANNEL_UNAVAILABLE', `cannot post in ${d.channelId}: ${code}`, { cause: err })
      : undefined;
  };

  async function send(card: Parameters<CommandContext['showCard']>[0]): Promise<void> {
    const { text, blocks } = cardBlocks(card);
    if (d.cardTs) {
      await client.chat.update({ channel: d.channelId, ts: d.cardTs, text, blocks });
      return;
    }
    try {
      const res = await client.chat.postMessage({
        channel: d.channelId,
        text,
        blocks,
        unfurl_links: false,
        ...(d.inThreadTs ? { thread_ts: d.inThreadTs } : {}),
      });
      d.cardTs = res.ts as string;
    } catch (err) {
      throw unpostable(err) ?? err;
    }
  }

  async function imageBlocks(images: OutputImage[]) {
    const upload = (await client.files.uploadV2({
      file_uploads: images.map((i) => ({ file: i.data, filename: i.name, title: i.name })),
    })) as unknown as {
      files?: Array<{ files?: Array<{ id: string }> }>;
    };
    const ids = (upload.files ?? []).flatMap((f) => f.files ?? []).map((f) => f.id);
    return ids.map((id, i) => ({ type: 'image', slack_file: { id }, alt_text: images[i]?.name ?? 'image' }));
  }

  const cards = createCardUpdates({
    send,
    exists: () => Boolean(d.cardTs),
    intervalMs: EDIT_INTERVAL_MS,
    logger,
    now,
  });

  async function viaResponseUrl(text: string): Promise<boolean> {
    if (!d.responseUrl || !d.responseUrlExpiresAt || now() > d.responseUrlExpiresAt) return false;
    const res = await request(d.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
      dispatcher: deps.dispatcher,
    });
    await res.body.dump();
    return res.statusCode < 300;
  }

  return {
    platform: 'slack',
    actor,
    ...(d.teamId ? { workspaceId: d.teamId } : {}),
    channelId: d.channelId,

    async replyPrivate(raw, images = []) {
      const text = privateSlackText(raw);
      try {
        // Ephemeral messages cannot carry files: images are uploaded unshared and shown by file id.
        const blocks = images.length
          ? [{ type: 'section', text: md(clip(text, 3000)) }, ...(await imageBlocks(images))]
          : undefined;
        await client.chat.postEphemeral({
          channel: d.channelId,
          user: d.userId,
          text,
          ...(blocks ? { blocks } : {}),
        });
      } catch (err) {
        // Where the bot cannot post (not a member, a DM), the command's own response URL still works.
        if (!(await viaResponseUrl(text)))
          logger.warn({ code: platformError(err) }, 'private reply not delivered');
      }
    },

    showCard: (card) => cards.show(card),

    async postResult(post, _threadName): Promise<PostedResult> {
      await cards.settled();
      // Threads do not nest: inside a thread, results go right under the card in that same thread.
      const threadTs = d.inThreadTs ?? d.cardTs;
      const thread = threadTs ? { thread_ts: threadTs } : {};
      const upload = (await client.files
        .uploadV2({
          channel_id: d.channelId,
          ...thread,
          file_uploads: post.images.map((img) => ({ file: img.data, filename: img.name, title: img.name })),
        })
        .catch((err: unknown) => {
          // Sharing a file needs membership: the bot was removed after the card went up.
          throw unpostable(err) ?? err;
        })) as unknown as {
        // completeUploadExternal answers each file's id and title only: no url_private, no permalink.
        files?: Array<{ files?: Array<{ id: string }> }>;
      };
      const files = (upload.files ?? []).flatMap((f) => f.files ?? []);
      const { text, blocks } = resultBlocks(post, post.notes);
      const details = await client.chat.postMessage({
        channel: d.channelId,
        ...thread,
        text,
        blocks,
        unfurl_links: false,
      });
      d.results = [...(d.results ?? []), { ts: details.ts as string, fileIds: files.map((f) => f.id) }];
      return { imageUrls: files.map((f) => slackFileReference(f.id)) };
    },

    async removeResult() {
      for (const r of d.results ?? []) {
        if (r.ts)
          await client.chat
            .delete({ channel: d.channelId, ts: r.ts })
            .catch((err: unknown) => logger.warn({ code: platformError(err) }, 'delete failed'));
        for (const file of r.fileIds)
          await client.files
            .delete({ file })
            .catch((err: unknown) => logger.warn({ code: platformError(err) }, 'file delete failed'));
      }
      d.results = [];
    },

    async openForm(form: Form) {
      if (!triggerId) {
        await this.replyPrivate('Please press the button again to open the form.');
        return;
      }
      const meta = {
        channelId: d.channelId,
        teamId: d.teamId,
        responseUrl: d.responseUrl,
        threadTs: d.inThreadTs,
      };
      await client.views.open({
        trigger_id: triggerId,
        view: modalView(form, meta) as never,
      });
    },

    resolveReferences: (refs) =>
      resolveSlackReferences(refs, deps.files, { channelId: d.channelId, userId: actor.id }),

    delivery() {
      return { ...d } as unknown as Record<string, unknown>;
    },
  };
}

export function slackDelivery(
  fields: { teamId?: string; channelId: string; userId: string; responseUrl?: string; threadTs?: string },
  now: number,
): SlackDelivery {
  const d: SlackDelivery = { channelId: fields.channelId, userId: fields.userId };
  if (fields.teamId) d.teamId = fields.teamId;
  if (fields.threadTs) d.inThreadTs = fields.threadTs;
  if (fields.responseUrl) {
    d.responseUrl = fields.responseUrl;
    d.responseUrlExpiresAt = now + RESPONSE_URL_LIFETIME_MS - 60_000;
  }
  return d;
}

export function createSlackFactory(deps: SlackContextDeps): ContextFactory {
  return {
    restore(delivery, actor) {
      return createSlackContext(deps, delivery as unknown as SlackDelivery, actor);
    },
  };
}
