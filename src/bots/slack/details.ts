/**
 * The details of a result as a message of their own, for a delivery recorded before results became one
 * message (results.ts): its images were shared alone, so the details follow as a second message.
 * `chat.postMessage` carries `metadata` {event_type: flux_result, job_id, step}; a post whose answer was
 * lost is found in the thread with `conversations.replies` (include_all_metadata) before posting again.
 */
import type { webApi } from '@slack/bolt';
import type { ResultPost } from '../../commands/context.ts';
import { resultBlocks } from './blocks.ts';
import type { SlackResultSteps } from './delivery.ts';
import { platformError, type ResultPlace, type SlackResultDeps, unpostable } from './results.ts';

export const RESULT_EVENT = 'flux_result';

/** Posts the details message once, and answers its ts. */
export async function postDetails(
  deps: SlackResultDeps,
  place: ResultPlace,
  r: SlackResultSteps,
  post: ResultPost,
  save: () => Promise<void>,
): Promise<string> {
  const found =
    r.detailsSent && place.threadTs ? await findPosted(deps, place, post.jobId, 'details') : undefined;
  if (found) return found;
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
  return res.ts as string;
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
