/**
 * A Slack job's result, posted exactly once, as ONE message in the card's thread: the images shared by
 * `files.completeUploadExternal` with the details (prompt, fields, notes, buttons) as its `blocks`. Two
 * messages — the share, then a `chat.postMessage` — could land in either order, since Slack finishes a
 * share after it answers; and an image block cannot show the files yet, as Slack refuses a file it has
 * not finished processing (`invalid slack file`). Each step is recorded in the job's delivery as it
 * completes, so a retry or a restart resumes after it:
 * - files: we run the external upload ourselves, so the file ids are known — and stored — before
 *   `files.completeUploadExternal` shares them. A lost share is found with `files.info` (a completed
 *   upload exists; an unfinished one is `file_not_found`), and with it the details it carried.
 * - the message's ts (for the card's link and for Delete): Slack does not answer it, so it is read from
 *   the file's `shares` in `files.info` once Slack lists them (result-upload.ts).
 * A record from before the one message (`oneMessage` unset, images shared alone) gets its details as a
 * second message, as then (details.ts).
 */
import type { webApi } from '@slack/bolt';
import type { Dispatcher } from 'undici';
import type { PostedResult, RemoveFailure, ResultPost } from '../../commands/context.ts';
import { FluxError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { resultBlocks } from './blocks.ts';
import type { SlackResultSteps } from './delivery.ts';
import { postDetails } from './details.ts';
import { slackFileReference } from './files.ts';
import { share, sharedEarlier, sharedMessageTs, uploadBytes } from './result-upload.ts';
import { slackTexts } from './texts.ts';
import type { SlackApi } from './web-api.ts';

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
  /** The calls every result makes (upload, share, lookups, permalink), cheaper than the client's. */
  api: SlackApi;
  dispatcher: Dispatcher;
  logger: Logger;
  uploadTimeoutMs?: number;
  /** Pauses between looks for the message Slack shared the images in (result-upload.ts). */
  shareLookupWaitsMs?: readonly number[];
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
      r.oneMessage = true;
      await save();
      try {
        r.files = await share(deps, place, r.fileIds, post.images, resultBlocks(post, post.notes).blocks);
      } catch (err) {
        // Slack answered no: nothing was shared, the next attempt starts over.
        if (platformError(err)) r.shareSent = false;
        await save();
        throw unpostable(err, place.channelId) ?? err;
      }
    }
    await save();
  }
  if (r.oneMessage) {
    const first = r.files[0]?.id;
    if (!r.detailsTs && first) {
      const { ts } = await sharedMessageTs(deps, place, first);
      if (ts) r.detailsTs = ts;
      else
        deps.logger.warn('Slack has not listed where the result was shared: the card goes without its link');
    }
  } else if (!r.detailsTs) {
    r.detailsTs = await postDetails(deps, place, r, post, save);
    await save();
  }
  // Not saved here: the caller stores the delivery with the result at once (context.ts).
  if (r.detailsTs) r.permalink ??= await permalinkOf(deps, place.channelId, r.detailsTs);
  const said = slackTexts(post.locale ?? 'en');
  const link = r.permalink
    ? { label: place.threadTs ? said.seeThread : said.seeResult, url: r.permalink }
    : undefined;
  // Named by file id: "Use as reference" reads the link with files.info when it is used.
  return { imageUrls: r.files.map((f) => slackFileReference(f.id)), ...(link ? { link } : {}) };
}

/** The result message's permalink (a reply's opens its thread); none when Slack will not say. */
async function permalinkOf(deps: SlackResultDeps, channel: string, ts: string): Promise<string | undefined> {
  try {
    const res = await deps.api.call('chat.getPermalink', { channel, message_ts: ts }, 'form');
    return typeof res.permalink === 'string' && /^https:\/\//.test(res.permalink) ? res.permalink : undefined;
  } catch (err) {
    // The result is out: a card without its link is better than a delivery tried again.
    deps.logger.warn({ code: platformError(err) }, 'no permalink for the result');
    return undefined;
  }
}

/** Deletes a job's result message and files; says what Slack refused (already gone counts as done). */
export async function removeSlackResult(
  { client, api }: Pick<SlackResultDeps, 'client' | 'api'>,
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
    // Slack had not listed the share when the result went out: by now it should have (one look).
    const first = r.fileIds[0];
    const found = !r.ts && first ? await sharedMessageTs({ api, logger }, { channelId }, first, []) : {};
    const ts = r.ts ?? found.ts;
    if (!ts && found.pending) {
      // Deleting the files alone would leave their message behind for good: keep both for the next press.
      failures.push({ part: 'result', unlisted: true });
      left.push(r);
      continue;
    }
    if (ts) {
      try {
        await client.chat.delete({ channel: channelId, ts });
      } catch (err) {
        if (!gone.has(platformError(err) ?? '')) {
          logger.warn({ code: platformError(err) }, 'delete failed');
          failures.push({ part: 'result', ...said(err) });
          kept.ts = ts;
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
