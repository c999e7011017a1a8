/**
 * Files on the loopback Slack: the external upload flow (getUploadURLExternal → POST of the bytes →
 * completeUploadExternal, which checks the byte length and, like Slack, answers only each file's id and
 * title), files.info with where a file is shared, and the
 * private file host (`/files-pri/<team>-<id>/<name>`) that serves only to the bot token and answers its
 * HTML login page otherwise, or in "missing scope" mode.
 *
 * A share into a channel is a message there (`postShare`): its `blocks` (ignored when `initial_comment` is
 * given, as Slack documents) with the files attached. Like Slack, which finishes a share after it answers,
 * files.info lists where a file is shared (`channels`/`groups`/`ims`, `shares` with the message's ts) only
 * from its `shareLag + 1`-th look on. Likewise a new file is processed a moment after it is uploaded:
 * files.info shows an empty `mimetype` for its first `processLag` looks, and until then an `image` block
 * naming it (`slack_file`) is refused with `invalid_blocks` (`unprocessed`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidBlocks, jsonParam, partData, send } from './slack-wire.ts';

/** The message a share makes, as the server stores it; answers its ts. */
export type PostShare = (message: {
  channel: string;
  threadTs?: string;
  text: string;
  blocks: Array<Record<string, unknown>>;
  files: string[];
}) => string;

export interface SharedFileWhere {
  user?: string;
  isPublic?: boolean;
  channels?: string[];
  groups?: string[];
  ims?: string[];
}

export interface FakeUpload {
  filename: string;
  declared: number;
  received: number;
  data: Buffer;
  channel?: string;
  threadTs?: string;
  /**
   * The share it was in: its message's ts, and the files.info looks (at any of the share's files) left
   * that do not list it yet.
   */
  share?: { ts: string; unlisted: number };
  completed: boolean;
  /** files.delete was called for it. */
  deleted?: boolean;
  /** files.info looks left before Slack has processed it (see the header). */
  processing: number;
}

type Reply = (body?: Record<string, unknown>) => void;
type Fail = (error: string) => void;

let seq = 0;
export const nextFileId = () => `F${String(++seq).padStart(8, '0')}`;

export function createFakeSlackFiles(options: {
  botToken: string;
  base: () => string;
  /** Channels the bot is not a member of: sharing a file there fails. */
  notInChannel: ReadonlySet<string>;
  postShare: PostShare;
}) {
  const uploads = new Map<string, FakeUpload>();
  const shared = new Map<string, { name: string; data: Buffer; mimetype: string; where: SharedFileWhere }>();
  const fileRequests: Array<{ path: string; auth: string | undefined }> = [];
  const state = {
    missingFilesScope: false,
    fileRedirect: undefined as string | undefined,
    shareLag: 1,
    processLag: 1,
  };
  const urlPrivate = (id: string, name: string) => `${options.base()}/files-pri/T1-${id}/${name}`;

  /** The upload URL and the private file host; false when the path is not theirs. */
  function serve(url: URL, raw: Buffer, req: IncomingMessage, res: ServerResponse): boolean {
    const auth = req.headers.authorization;
    if (url.pathname.startsWith('/upload/')) {
      const up = uploads.get(url.pathname.slice('/upload/'.length));
      if (!up) {
        send(res, 404, 'no such upload');
        return true;
      }
      up.data = partData(raw, req.headers['content-type']);
      up.received = up.data.length;
      send(res, 200, `OK - ${up.data.length}`);
      return true;
    }
    if (!url.pathname.startsWith('/files-pri/') && !url.pathname.startsWith('/files-cdn/')) return false;
    fileRequests.push({ path: url.pathname, auth });
    const id = (url.pathname.split('/')[2] ?? '').replace(/^T[A-Z0-9]*-/, '');
    const up = uploads.get(id);
    const file =
      shared.get(id) ??
      (up && !up.deleted ? { name: up.filename, data: up.data, mimetype: 'image/png' } : undefined);
    const authorised = auth === `Bearer ${options.botToken}`;
    if (state.fileRedirect && url.pathname.startsWith('/files-pri/') && authorised) {
      res.writeHead(302, { location: state.fileRedirect }).end();
      return true;
    }
    if (!authorised || state.missingFilesScope || !file) {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
      return true;
    }
    res.writeHead(200, { 'content-type': file.mimetype, 'content-length': file.data.length }).end(file.data);
    return true;
  }

  /** files.* Web API methods; false when the method is not one of them. */
  function api(method: string, params: Record<string, unknown>, ok: Reply, fail: Fail): boolean {
    if (!method.startsWith('files.')) return false;
    filesMethod(method, params, ok, fail);
    return true;
  }

  function filesMethod(method: string, params: Record<string, unknown>, ok: Reply, fail: Fail) {
    const channel = String(params.channel_id ?? '');
    switch (method) {
      case 'files.getUploadURLExternal': {
        const id = nextFileId();
        const up = { filename: String(params.filename), declared: Number(params.length), received: -1 };
        uploads.set(id, { ...up, data: Buffer.alloc(0), completed: false, processing: state.processLag });
        return ok({ upload_url: `${options.base()}/upload/${id}`, file_id: id });
      }
      case 'files.completeUploadExternal': {
        // Sharing a file needs real membership, even where chat:write.public lets a message through.
        if (channel && options.notInChannel.has(channel)) return fail('not_in_channel');
        const comment = params.initial_comment === undefined ? undefined : String(params.initial_comment);
        const blocks = comment === undefined ? (jsonParam(params.blocks) ?? []) : [];
        if (invalidBlocks(blocks)) return fail('invalid_blocks');
        // Slack's known refusal: a `markdown` block here (fine in chat.postMessage) is an internal_error.
        if (blocks.some((b) => b.type === 'markdown')) return fail('internal_error');
        const files = jsonParam(params.files) as Array<{ id: string }>;
        for (const f of files) {
          const up = uploads.get(f.id);
          if (!up || up.received !== up.declared) return fail('upload_length_mismatch');
        }
        const threadTs = params.thread_ts ? String(params.thread_ts) : undefined;
        const ids = files.map((f) => f.id);
        const ts = channel
          ? options.postShare({
              channel,
              ...(threadTs ? { threadTs } : {}),
              text: comment ?? '',
              blocks,
              files: ids,
            })
          : undefined;
        const share = ts ? { ts, unlisted: state.shareLag } : undefined;
        for (const id of ids) {
          const up = uploads.get(id) as FakeUpload;
          up.completed = true;
          up.processing = state.processLag;
          up.channel = channel;
          if (threadTs) up.threadTs = threadTs;
          if (share) up.share = share;
        }
        // Like Slack: only id and title. url_private, permalink and shares come from files.info.
        const described = files.map((f) => ({
          id: f.id,
          title: (f as { title?: string }).title ?? uploads.get(f.id)?.filename ?? '',
        }));
        return ok({ files: described });
      }
      case 'files.info':
        return info(String(params.file), ok, fail);
      case 'files.delete': {
        const up = uploads.get(String(params.file));
        if (!up || up.deleted) return fail('file_not_found');
        up.deleted = true;
        return ok();
      }
      default:
        return fail('unknown_method');
    }
  }

  function info(id: string, ok: Reply, fail: Fail) {
    if (state.missingFilesScope) return fail('missing_scope');
    const f = shared.get(id);
    if (f) {
      const { user = 'U9', isPublic = false, channels = [], groups = [], ims = [] } = f.where;
      const file = { id, name: f.name, mimetype: f.mimetype, url_private: urlPrivate(id, f.name) };
      return ok({ file: { ...file, user, is_public: isPublic, channels, groups, ims } });
    }
    const up = uploads.get(id);
    if (!up?.completed || up.deleted) return fail('file_not_found');
    const processed = up.processing <= 0;
    if (!processed) up.processing--;
    const file = {
      id,
      name: up.filename,
      mimetype: processed ? (up.filename.endsWith('.png') ? 'image/png' : 'image/jpeg') : '',
      url_private: urlPrivate(id, up.filename),
      user: 'UBOT',
      is_public: false,
    };
    if (up.share?.unlisted) {
      up.share.unlisted--;
      return ok({ file: { ...file, channels: [], groups: [], ims: [], shares: {} } });
    }
    // The bot's own results: shared where they were posted, in the message the share made.
    const ch = up.channel ?? '';
    const kind = ch.startsWith('C') ? 'channels' : ch.startsWith('D') ? 'ims' : 'groups';
    const where = {
      ts: up.share?.ts,
      ...(up.threadTs ? { thread_ts: up.threadTs } : {}),
      share_user_id: 'UBOT',
    };
    const shares = up.share ? { [kind === 'channels' ? 'public' : 'private']: { [ch]: [where] } } : {};
    return ok({
      file: { ...file, channels: [], groups: [], ims: [], ...(ch ? { [kind]: [ch] } : {}), shares },
    });
  }

  /** Whether blocks show (in an `image` block) one of the bot's files Slack has not processed yet. */
  function showsUnprocessed(blocks: unknown): boolean {
    if (!Array.isArray(blocks)) return false;
    return blocks.some((b: { type?: string; slack_file?: { id?: string } }) => {
      const id = b?.type === 'image' ? b.slack_file?.id : undefined;
      const up = id ? uploads.get(id) : undefined;
      return up !== undefined && up.processing > 0;
    });
  }

  return {
    uploads,
    fileRequests,
    state,
    serve,
    api,
    showsUnprocessed,
    addFile(
      name: string,
      data: Buffer,
      mimetype = 'image/png',
      where: SharedFileWhere = { isPublic: true, channels: ['C100'] },
    ) {
      const id = nextFileId();
      shared.set(id, { name, data, mimetype, where });
      return { id, url_private: urlPrivate(id, name), permalink: permalink(id, name), mimetype };
    },
  };
}

function permalink(id: string, name: string): string {
  return `https://fake.slack.com/files/U1/${id}/${name}`;
}
