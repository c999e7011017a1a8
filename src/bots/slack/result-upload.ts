/**
 * The bytes of a Slack result, uploaded by the bot itself (so the file ids are known and stored before
 * the share), shared into the channel or thread, and found again when a share's answer was lost.
 */
import { request } from 'undici';
import type { OutputImage } from '../../commands/context.ts';
import { platformError, type ResultPlace, type SlackResultDeps } from './results.ts';

/** Uploads the bytes (not yet shared anywhere) and returns their file ids. */
export async function uploadBytes(deps: SlackResultDeps, images: OutputImage[]): Promise<string[]> {
  const ids: string[] = [];
  for (const image of images) {
    const slot = (await deps.client.files.getUploadURLExternal({
      filename: image.name,
      length: image.data.length,
    })) as { upload_url: string; file_id: string };
    const timeout = deps.uploadTimeoutMs ?? 120_000;
    // The upload URL is presigned: it needs (and gets) no token.
    const res = await request(slot.upload_url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: image.data,
      dispatcher: deps.dispatcher,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout),
    });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`Slack upload answered ${res.statusCode}`);
    ids.push(slot.file_id);
  }
  return ids;
}

/** Shares uploaded files in a channel (and thread); answers only their ids (and titles). */
export async function share(
  deps: SlackResultDeps,
  place: ResultPlace,
  ids: string[],
  images: OutputImage[],
): Promise<Array<{ id: string; url?: string }>> {
  const res = (await deps.client.files.completeUploadExternal({
    files: ids.map((id, i) => ({ id, title: images[i]?.name ?? 'image' })) as unknown as [
      { id: string; title: string },
    ],
    channel_id: place.channelId,
    ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
  })) as { files?: Array<{ id: string; url_private?: string }> };
  return (res.files ?? []).map((f) => (f.url_private ? { id: f.id, url: f.url_private } : { id: f.id }));
}

/** The files of an earlier share whose answer was lost; undefined when it never completed. */
export async function sharedEarlier(
  deps: SlackResultDeps,
  ids: string[],
): Promise<Array<{ id: string; url?: string }> | undefined> {
  const found: Array<{ id: string; url?: string }> = [];
  for (const id of ids) {
    try {
      const res = await deps.client.files.info({ file: id });
      const url = res.file?.url_private;
      found.push(url ? { id, url } : { id });
    } catch (err) {
      const code = platformError(err);
      if (code === 'file_not_found' || code === 'file_deleted') return undefined;
      throw err;
    }
  }
  deps.logger.info({ files: ids.length }, 'an earlier share of the images had gone through');
  return found;
}
