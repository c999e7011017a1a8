/**
 * A Slack job's result, posted exactly once: the images (shared in the card's thread) and the details
 * message. Each step is recorded in the job's delivery as it completes, so a retry or a restart resumes
 * after it. A step whose answer was lost (a crash, a timeout after Slack accepted) is looked up before it
 * is sent again:
 * - files: we run the external upload ourselves, so the file ids are known — and stored — before
 *   `files.completeUploadExternal` shares them. A lost share is found with `files.info` (a completed
 *   upload exists; an unfinished one is `file_not_found`). File-share messages carry no metadata, which is
 *   why the files are not looked up in the thread.
 * - details: `chat.postMessage` carries `metadata` {event_type: flux_result, job_id, step}; a lost post
 *   is found in the thread with `conversations.replies` (include_all_metadata) before posting again.
 */
import type { webApi } from '@slack/bolt';
import type { Dispatcher } from 'undici';
import type { PostedResult, RemoveFailure, ResultPost } from '../../commands/context.ts';
import { FluxError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { resultBlocks } from './blocks.ts';
import type { SlackResultSteps } from './delivery.ts';
import { slackFileReference } from './files.ts';
import { share, sharedEarlier, uploadBytes } from './result-upload.ts';
import { slackTexts } from './texts.ts';

export const RESULT_EVENT = 'flux_result';

/** Channels the bot cannot post or share in: removed, archived, gone, restricted. */
const NOT_POSTABLE = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'restricted_action',
  'cannot_dm_bot',
  'ekm_access_denied',
]);

export interface SlackResultDeps {
  client: webApi.WebClient;
  dispatcher: Dispatcher;
  logger: Logger;
  uploadTimeoutMs?: number;
}

export interface ResultPlace {
  channelId: string;
  threadTs?: string;
}

export const platformError = (err: unknown): string | undefined =>
  (err as { data?: { error?: string } }).data?.error;

export function unpostable(err: unknown, channelId: string): FluxError | undefined {
  const code = platformError(err);
  return code && NOT_POSTABLE.has(code)
    ? new FluxError('CHANNEL_UNAVAILABLE', `cannot post in ${channelId}: ${code}`, { cause: err })
    : undefined;
}

export async function postSlackResult(
  deps: SlackResultDeps,
  place: ResultPlace,
  steps: SlackResultSteps,
  post: ResultPost,
  save: () => Promise<void>,
): Promise<PostedResult> {
  const r = steps;
  if (!r.files) {
    if (r.shareSent && r.fileIds) r.files = await sharedEarlier(deps, r.fileIds);
    if (!r.files) {
      r.fileIds = await uploadBytes(deps, post.images);
      r.shareSent = true;
      await save();
      try {
        r.files = await share(deps, place, r.fileIds, post.images);
      } catch (err) {
        // Slack answered no: nothing was shared, the next attempt starts over.
        if (platformError(err)) r.shareSent = false;
        await save();
        throw unpostable(err, place.channelId) ?? err;
      }
    }
    await save();
  }
  if (!r.detailsTs) {
    if (r.detailsSent && place.threadTs) r.detailsTs = await findPosted(deps, place, post.jobId, 'details');
    if (!r.detailsTs) {
      const { text, blocks } = resultBlocks(post, post.notes);
      r.detailsSent = true;
      await save();
      const res = await deps.client.chat
        .postMessage({
          channel: place.channelId,
          ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
          text,
          blocks,
          unfurl_links: false,
          metadata: { event_type: RESULT_EVENT, event_payload: { job_id: post.jobId, step: 'details' } },
        })
        .catch((err: unknown) => {
          if (platformError(err)) r.detailsSent = false;
          throw unpostable(err, place.channelId) ?? err;
        });
      r.detailsTs = res.ts as string;
    }
    await save();
  }
  r.permalink ??= await permalinkOf(deps, place.channelId, r.detailsTs);
  save();
  const said = slackTexts(post.locale ?? 'en');
  const link = r.permalink
    ? { label: place.threadTs ? said.seeThread : said.seeResult, url: r.permalink }
    : undefined;
  // Named by file id: "Use as reference" reads the link with files.info when it is used.
  return { imageUrls: r.files.map((f) => slackFileReference(f.id)), ...(link ? { link } : {}) };
}

/** The details message's permalink (a reply's opens its thread); none when Slack will not say. */
async function permalinkOf(deps: SlackResultDeps, channel: string, ts: string): Promise<string | undefined> {
  try {
    const res = await deps.client.chat.getPermalink({ channel, message_ts: ts });
    return typeof res.permalink === 'string' && /^https:\/\//.test(res.permalink) ? res.permalink : undefined;
  } catch (err) {
    // The result is out: a card without its link is better than a delivery tried again.
    deps.logger.warn({ code: platformError(err) }, 'no permalink for the result');
    return undefined;
  }
}

/** The ts of a message this job posted for `step` in the thread, found by its metadata. */
async function findPosted(
  deps: SlackResultDeps,
  place: ResultPlace,
  jobId: string,
  step: string,
): Promise<string | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    let res: webApi.ConversationsRepliesResponse;
    try {
      res = await deps.client.conversations.replies({
        channel: place.channelId,
        ts: place.threadTs as string,
        include_all_metadata: true,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
    } catch (err) {
      // An install without the history scopes cannot look: posting again beats a result stuck for ever.
      if (platformError(err) !== 'missing_scope') throw err;
      deps.logger.warn('cannot look for an earlier result post (no history scope); posting it again');
      return undefined;
    }
    for (const m of res.messages ?? []) {
      const meta = m.metadata as { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
      if (
        meta?.event_type === RESULT_EVENT &&
        meta.event_payload?.job_id === jobId &&
        meta.event_payload.step === step
      )
        return m.ts;
    }
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!cursor) return undefined;
  }
  return undefined;
}

/** Deletes a job's details message and files; says what Slack refused (already gone counts as done). */
export async function removeSlackResult(
  client: webApi.WebClient,
  channelId: string,
  results: Array<{ ts?: string; fileIds: string[] }>,
  logger: Logger,
): Promise<{ failures: RemoveFailure[]; left: Array<{ ts?: string; fileIds: string[] }> }> {
  const failures: RemoveFailure[] = [];
  const left: Array<{ ts?: string; fileIds: string[] }> = [];
  const gone = new Set(['message_not_found', 'file_not_found', 'file_deleted']);
  // Slack's error code as it said it; none when it did not answer in time (the command words that).
  const said = (err: unknown) => {
    const code = platformError(err);
    return code ? { said: code } : {};
  };
  for (const r of results) {
    const kept: { ts?: string; fileIds: string[] } = { fileIds: [] };
    if (r.ts) {
      try {
        await client.chat.delete({ channel: channelId, ts: r.ts });
      } catch (err) {
        if (!gone.has(platformError(err) ?? '')) {
          logger.warn({ code: platformError(err) }, 'delete failed');
          failures.push({ part: 'details', ...said(err) });
          kept.ts = r.ts;
        }
      }
    }
    for (const file of r.fileIds) {
      try {
        await client.files.delete({ file });
      } catch (err) {
        if (!gone.has(platformError(err) ?? '')) {
          logger.warn({ code: platformError(err) }, 'file delete failed');
          failures.push({ part: 'image', ...said(err) });
          kept.fileIds.push(file);
        }
      }
    }
    if (kept.ts || kept.fileIds.length) left.push(kept);
  }
  return { failures, left };
}
