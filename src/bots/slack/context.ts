/**
 * The CommandContext on Slack. Slash commands cannot run in threads, so the card is a parent message
 * in the channel and everything else goes in its thread. Private answers are ephemeral messages, or the
 * command's response_url where the bot cannot post (not in the channel, a DM it was not added to).
 */
import type { webApi } from '@slack/bolt';
import { type Dispatcher, request } from 'undici';
import type { Actor, CommandContext, ContextFactory, Form, PostedResult } from '../../commands/context.ts';
import { pickLocale } from '../../commands/i18n/locale.ts';
import type { Logger } from '../../core/logger.ts';
import { createCardUpdates } from '../card-updates.ts';
import { buttonsBlock, cardBlocks, clip, failureNotice, md } from './blocks.ts';
import { parseSlackDelivery, type SlackDelivery } from './delivery.ts';
import { resolveSlackReferences, type SlackFileDeps } from './files.ts';
import { modalView } from './modal.ts';
import { tellSlackRequester } from './private-notice.ts';
import { privateImageBlocks } from './result-upload.ts';
import { platformError, postSlackResult, removeSlackResult, unpostable as unpostableIn } from './results.ts';
import { privateSlackText } from './text.ts';
import { slackTexts } from './texts.ts';
import type { SlackApi } from './web-api.ts';

/** chat.update is rate-limited (about one a second per channel): coalesce faster changes. */
export const EDIT_INTERVAL_MS = 1_200;

export interface SlackContextDeps {
  client: webApi.WebClient;
  /** The card's chat.postMessage and chat.update, cheaper than the client's (web-api.ts). */
  api: SlackApi;
  files: SlackFileDeps;
  dispatcher: Dispatcher;
  logger: Logger;
  now?: () => number;
  /** Deadline of one file upload. */
  uploadTimeoutMs?: number;
  /** Pauses between looks for the message a result was shared in (result-upload.ts). */
  shareLookupWaitsMs?: readonly number[];
  /**
   * Resolves when a card edit may go out. A queue's worth of place changes is due at once; paced, the
   * edits go one per turn of the event loop and wait while requests are arriving, so no ack waits behind
   * a hundred chat.update calls being built.
   */
  pace?: () => Promise<void>;
}

export function createSlackContext(
  deps: SlackContextDeps,
  delivery: SlackDelivery,
  actor: Actor,
  triggerId?: string,
  restored = false,
): CommandContext {
  const { client, logger } = deps;
  const now = deps.now ?? Date.now;
  const d = delivery;

  const unpostable = (err: unknown) => unpostableIn(err, d.channelId);
  const resultDeps = { ...deps, ...(deps.uploadTimeoutMs ? { uploadTimeoutMs: deps.uploadTimeoutMs } : {}) };

  let notified = false;
  async function send(card: Parameters<CommandContext['showCard']>[0]): Promise<void> {
    if (d.cardTs) {
      const { text, blocks } = cardBlocks(card, true);
      await deps.api.call('chat.update', { channel: d.channelId, ts: d.cardTs, text, blocks });
      // An edit's mention notifies nobody: the requester of a failure is pinged by a new message.
      const notice = failureNotice(card);
      if (notice && !notified) {
        notified = true;
        await deps.api
          .call('chat.postMessage', {
            channel: d.channelId,
            thread_ts: d.inThreadTs ?? d.cardTs,
            text: notice,
          })
          .catch((err: unknown) => logger.warn({ code: platformError(err) }, 'failure notice not posted'));
      }
      return;
    }
    // Rebuilt from a record that has no card yet: the process that took the command is posting it (it
    // saves the card's ts once Slack answers). A second card for a passing state would stay behind as a
    // duplicate; the job's last word is posted all the same, so it is never lost.
    if (restored && !card.final) return;
    const { text, blocks } = cardBlocks(card);
    try {
      const res = await deps.api.call<{ ts: string }>('chat.postMessage', {
        channel: d.channelId,
        text,
        blocks,
        unfurl_links: false,
        ...(d.inThreadTs ? { thread_ts: d.inThreadTs } : {}),
      });
      d.cardTs = res.ts;
    } catch (err) {
      throw unpostable(err) ?? err;
    }
  }

  const cards = createCardUpdates({
    send,
    exists: () => Boolean(d.cardTs),
    intervalMs: EDIT_INTERVAL_MS,
    ...(deps.pace ? { pace: deps.pace } : {}),
    logger,
    now,
  });

  async function viaResponseUrl(text: string, blocks?: unknown[]): Promise<boolean> {
    if (!d.responseUrl || !d.responseUrlExpiresAt || now() > d.responseUrlExpiresAt) return false;
    const res = await request(d.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        response_type: 'ephemeral',
        replace_original: false,
        text,
        ...(blocks ? { blocks } : {}),
      }),
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

    async replyPrivate(raw, images = [], buttons = []) {
      const text = privateSlackText(raw);
      // A question (Confirm / Cancel) keeps its buttons on the response_url route too.
      const asked = buttons.length
        ? [{ type: 'section', text: md(clip(text, 3000)) }, ...buttonsBlock(buttons)]
        : undefined;
      try {
        // Ephemeral messages cannot carry files: images are uploaded unshared and shown by file id.
        const blocks = images.length
          ? [
              { type: 'section', text: md(clip(text, 3000)) },
              ...(await privateImageBlocks(deps, images)),
              ...buttonsBlock(buttons),
            ]
          : asked;
        await client.chat.postEphemeral({
          channel: d.channelId,
          user: d.userId,
          text,
          ...(blocks ? { blocks } : {}),
        });
      } catch (err) {
        // Where the bot cannot post (not a member, a DM), the command's own response URL still works.
        if (!(await viaResponseUrl(text, asked)))
          logger.warn({ code: platformError(err) }, 'private reply not delivered');
      }
    },

    adopt(stored) {
      if (d.cardTs) return;
      const cardTs = parseSlackDelivery(stored).cardTs;
      if (cardTs) d.cardTs = cardTs;
    },
    showCard: (card) => cards.show(card),

    async postResult(post, _threadName, checkpoint): Promise<PostedResult> {
      await cards.settled();
      // Threads do not nest: inside a thread, results go right under the card in that same thread.
      const threadTs = d.inThreadTs ?? d.cardTs;
      d.result ??= {};
      const steps = d.result;
      // What Delete removes, as soon as it exists.
      const record = () => {
        const fileIds = (steps.files ?? []).map((f) => f.id);
        d.results =
          steps.detailsTs || fileIds.length
            ? [{ ...(steps.detailsTs ? { ts: steps.detailsTs } : {}), fileIds }]
            : [];
      };
      const posted = await postSlackResult(
        resultDeps,
        { channelId: d.channelId, ...(threadTs ? { threadTs } : {}) },
        steps,
        post,
        async () => {
          record();
          await checkpoint?.(this.delivery());
        },
      );
      // The last steps (where the share is, its link) are stored by the caller with the result itself
      // (CommandContext.postResult): a crash before that only looks them up again.
      record();
      return posted;
    },

    async removeResult() {
      const { failures, left } = await removeSlackResult(deps, d.channelId, d.results ?? [], logger);
      d.results = left;
      return { failures };
    },

    tellRequester: (text, images) =>
      tellSlackRequester(resultDeps, d, now(), text, images, pickLocale(actor.locale)),

    async openForm(form: Form) {
      if (!triggerId) {
        await this.replyPrivate(slackTexts(pickLocale(actor.locale)).pressAgain);
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
      return { ...d };
    },
  };
}

export function createSlackFactory(deps: SlackContextDeps): ContextFactory {
  return {
    restore(delivery, actor) {
      return createSlackContext(deps, parseSlackDelivery(delivery), actor, undefined, true);
    },
  };
}
