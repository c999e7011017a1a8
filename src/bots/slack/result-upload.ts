/**
 * The bytes of a Slack result, uploaded by the bot itself (so the file ids are known and stored before
 * the share), shared into the channel or thread — with the details blocks, as one message — and found
 * again when a share's answer was lost.
 *
 * `files.completeUploadExternal` answers only each file's id and title, and Slack finishes the share
 * after it answers (the files are scanned first): `files.info` lists the message a file is in (its
 * `shares`) only some moments later, so that is polled for, as Slack's SDK maintainers advise.
 */
import { setTimeout as wait } from 'node:timers/promises';
import { request } from 'undici';
import type { OutputImage } from '../../commands/context.ts';
import { imageBlock } from './blocks.ts';
import { platformError, type ResultPlace, type SlackResultDeps } from './results.ts';

/** What files.info says of a file, as far as results read it. */
interface FileInfo {
  file?: {
    url_private?: string;
    mimetype?: string;
    shares?: { public?: ShareMap; private?: ShareMap };
  };
}

const fileInfo = (deps: Pick<SlackResultDeps, 'api'>, file: string) =>
  deps.api.call<FileInfo & Record<string, unknown>>('files.info', { file }, 'form');

/** Pauses between looks for the share's message: about 8 s in all, then the result goes on without it. */
const SHARE_LOOKUP_WAITS_MS = [250, 500, 1_000, 2_000, 4_000];

/** Uploads the bytes (not yet shared anywhere) and returns their file ids. */
export async function uploadBytes(deps: SlackResultDeps, images: OutputImage[]): Promise<string[]> {
  const ids: string[] = [];
  for (const image of images) {
    const slot = await deps.api.call<{ upload_url: string; file_id: string }>(
      'files.getUploadURLExternal',
      { filename: image.name, length: image.data.length },
      'form',
    );
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

/**
 * Shares uploaded files in a channel (and thread); answers only their ids (and titles). With `blocks`
 * (and no `initial_comment`, which would make Slack ignore them) the files and the blocks are one message.
 */
export async function share(
  deps: SlackResultDeps,
  place: ResultPlace,
  ids: string[],
  images: OutputImage[],
  blocks?: Array<{ type: string } & Record<string, unknown>>,
): Promise<Array<{ id: string; url?: string }>> {
  const res = await deps.api.call<{ files?: Array<{ id: string; url_private?: string }> }>(
    'files.completeUploadExternal',
    {
      files: ids.map((id, i) => ({ id, title: images[i]?.name ?? 'image' })),
      channel_id: place.channelId,
      thread_ts: place.threadTs,
      blocks,
    },
    'form',
  );
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
      const res = await fileInfo(deps, id);
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

/** Where a share is: its message's ts once Slack lists it. */
export interface ShareFound {
  ts?: string;
  /** Slack answered, and has not listed the share yet. */
  pending?: boolean;
  /** The file no longer exists. */
  gone?: boolean;
}

/**
 * The message a file was shared in, in this channel (and thread): looked for again after each pause
 * while Slack has not listed the share yet; no ts when it never says (or cannot: no files:read).
 */
export async function sharedMessageTs(
  deps: Pick<SlackResultDeps, 'api' | 'logger' | 'shareLookupWaitsMs'>,
  place: ResultPlace,
  fileId: string,
  waits: readonly number[] = deps.shareLookupWaitsMs ?? SHARE_LOOKUP_WAITS_MS,
): Promise<ShareFound> {
  for (let attempt = 0; ; attempt++) {
    const found = await lookShare(deps, place, fileId);
    if (found || attempt >= waits.length) return found ?? { pending: true };
    await wait(waits[attempt] ?? 0);
  }
}

/** One look: undefined while Slack has not listed the share yet (looking again may help). */
async function lookShare(
  deps: Pick<SlackResultDeps, 'api' | 'logger'>,
  place: ResultPlace,
  fileId: string,
): Promise<ShareFound | undefined> {
  let shares: { public?: ShareMap; private?: ShareMap } | undefined;
  try {
    shares = (await fileInfo(deps, fileId)).file?.shares;
  } catch (err) {
    const code = platformError(err);
    if (code === 'file_not_found' || code === 'file_deleted') return { gone: true };
    // The result is out either way: without its ts the card only lacks its link.
    deps.logger.warn({ code }, 'cannot look up where the result was shared');
    return {};
  }
  const entries = [
    ...(shares?.public?.[place.channelId] ?? []),
    ...(shares?.private?.[place.channelId] ?? []),
  ];
  const entry = entries.find((e) => (place.threadTs ? e.thread_ts === place.threadTs : !e.thread_ts));
  const ts = entry?.ts ?? entries[0]?.ts;
  return ts ? { ts } : undefined;
}

type ShareMap = Record<string, Array<{ ts?: string; thread_ts?: string }>>;

/**
 * Waits (a few seconds at most) until Slack has processed these new files: until then files.info shows
 * no mimetype and Slack refuses an image block naming them. Ephemeral messages cannot carry files, so a
 * private image is shown that way. Past the waits the message is tried anyway.
 */
export async function untilProcessed(
  deps: Pick<SlackResultDeps, 'api' | 'logger' | 'shareLookupWaitsMs'>,
  fileIds: readonly string[],
  waits: readonly number[] = deps.shareLookupWaitsMs ?? SHARE_LOOKUP_WAITS_MS,
): Promise<void> {
  const left = new Set(fileIds);
  for (let attempt = 0; left.size; attempt++) {
    for (const id of [...left]) {
      try {
        const { file } = await fileInfo(deps, id);
        if (file?.mimetype) left.delete(id);
      } catch (err) {
        deps.logger.warn({ code: platformError(err) }, 'cannot tell whether Slack has processed a file');
        return;
      }
    }
    if (!left.size || attempt >= waits.length) return;
    await wait(waits[attempt] ?? 0);
  }
}

/** Images for an ephemeral message (which cannot carry files): uploaded unshared, shown by file id. */
export async function privateImageBlocks(
  deps: Pick<SlackResultDeps, 'client' | 'api' | 'logger' | 'shareLookupWaitsMs'>,
  images: OutputImage[],
): Promise<Array<Record<string, unknown>>> {
  const upload = (await deps.client.files.uploadV2({
    file_uploads: images.map((i) => ({ file: i.data, filename: i.name, title: i.name })),
  })) as unknown as {
    files?: Array<{ files?: Array<{ id: string }> }>;
  };
  const ids = (upload.files ?? []).flatMap((f) => f.files ?? []).map((f) => f.id);
  await untilProcessed(deps, ids);
  return ids.map((id, i) => imageBlock(id, images[i]));
}
