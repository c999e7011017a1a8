/**
 * A loopback Slack: the Web API methods the bot uses (form or JSON bodies, Bearer tokens), the external
 * upload flow with byte-length checks, a private file host that needs the bot token (and answers an HTML
 * login page without it, or in "missing scope" mode), response URLs, and Socket Mode over WebSocket.
 * Every call is recorded with the Authorization it carried and the host it reached.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeSlackFiles, type FakeUpload, type SharedFileWhere } from './slack-files.ts';
import { attachFakeSocketMode, type SocketRetry } from './slack-socket.ts';
import { createFakeSlackViews, type FakeSlackViews } from './slack-views.ts';
import { invalidBlocks, json, jsonParam, parseParams, read, send } from './slack-wire.ts';

export type { FakeSlackViews, FakeUpload, SharedFileWhere };

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Array<Record<string, unknown>>;
  threadTs?: string;
  /** chat.postMessage `metadata`; conversations.* return it only with include_all_metadata. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** The files a share (files.completeUploadExternal) attached, in order: below the blocks. */
  files?: string[];
  deleted: boolean;
  updates: number;
}

/**
 * A scripted failure of the next `count` calls of `method` (that match `when`): `error` answers
 * {ok:false, error}; `lose` does the work, then answers 500 as if the answer were lost on the way; neither
 * answers 500 without doing anything.
 */
export interface SlackFault {
  method: string;
  count: number;
  error?: string;
  lose?: boolean;
  /** Never answers (the connection stays open until the client gives up or the fake closes). */
  hang?: boolean;
  when?: (params: Record<string, unknown>) => boolean;
}

export interface SlackCall {
  method: string;
  auth: string | undefined;
  params: Record<string, unknown>;
}

export interface FakeSlack {
  /** SLACK_API_URL */
  apiUrl: string;
  base: string;
  botToken: string;
  appToken: string;
  calls: SlackCall[];
  messages: Map<string, SlackMessage>;
  ephemerals: Array<{ channel: string; user: string; text: string; blocks?: Array<Record<string, unknown>> }>;
  /**
   * Who new messages (chat.postMessage) would notify: `<@U…>`, `<!channel>`, `<!here>`, `<!everyone>` in
   * their text or blocks. chat.update notifies nobody (Slack sends no notification for an edit's mention).
   */
  pings: Array<{ ts: string; who: string }>;
  responses: Array<{ id: string; body: Record<string, unknown> }>;
  /** views.open calls, in order (the same as `modals.opened`). */
  views: Array<{ triggerId: string; view: Record<string, unknown> }>;
  /** Modals as Slack keeps them: views.open/update, a member's entries, their payloads (slack-views.ts). */
  modals: FakeSlackViews;
  uploads: Map<string, FakeUpload>;
  /** Requests to the private file host, with their Authorization header. */
  fileRequests: Array<{ path: string; auth: string | undefined }>;
  notInChannel: Set<string>;
  /** Channels where posting fails with this error (a DM the bot is not in: channel_not_found). */
  channelErrors: Map<string, string>;
  admins: Set<string>;
  /** A user's own team, as users.info reports it (`team_id`); everyone else is of this fake's team, T1. */
  userTeams: Map<string, string>;
  /** A user's Slack language, as users.info reports it with include_locale (`en-US` unless set). */
  userLocales: Map<string, string>;
  /** The file host answers its login page even with the token (the app lacks files:read). */
  missingFilesScope: boolean;
  /** When set, the file host answers file requests with a 302 to this absolute URL (Slack's CDN hop). */
  fileRedirect: string | undefined;
  /** How many files.info looks at a share's files still find it unlisted (Slack lists it a moment later). */
  shareLag: number;
  /** How many files.info looks at a new file find it unprocessed (empty mimetype; image blocks refused). */
  processLag: number;
  /** The next N calls of this method answer 429 with Retry-After: 1. */
  rateLimit: Map<string, number>;
  faults: SlackFault[];
  /** Direct-message channels opened with conversations.open: user → channel id. */
  dms: Map<string, string>;
  /**
   * A file a user shared: served at its url_private to the bot token, described by files.info. By default
   * it is public (shared in a public channel); `where` places it in private conversations instead.
   */
  addFile(
    name: string,
    data: Buffer,
    mimetype?: string,
    where?: SharedFileWhere,
  ): { id: string; url_private: string; permalink: string; mimetype: string };
  responseUrl(): string;
  /** Sends a Socket Mode envelope (a redelivery when `retry` is given) and resolves with the client's ack. */
  sendEnvelope(type: string, payload: unknown, retry?: SocketRetry): Promise<Record<string, unknown>>;
  socketConnected: Promise<void>;
  close(): Promise<void>;
}

/** The users and groups a message's markup would notify. */
function wouldNotify(markup: string): string[] {
  const users = [...markup.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)].map((m) => `user ${m[1]}`);
  const groups = [...markup.matchAll(/<!(channel|here|everyone)(?:\|[^>]*)?>/g)].map((m) => m[1] as string);
  return [...new Set([...users, ...groups])];
}

let seq = 0;
const ts = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;

export async function startFakeSlack(
  botToken = 'xoxb-fake-bot-token-123',
  appToken = 'xapp-fake-app-token-456',
): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const messages = new Map<string, SlackMessage>();
  const ephemerals: FakeSlack['ephemerals'] = [];
  const pings: FakeSlack['pings'] = [];
  const responses: FakeSlack['responses'] = [];
  const modals = createFakeSlackViews();
  const notInChannel = new Set<string>();
  const channelErrors = new Map<string, string>();
  const admins = new Set<string>();
  const userTeams = new Map<string, string>();
  const userLocales = new Map<string, string>();
  const rateLimit = new Map<string, number>();
  const faults: SlackFault[] = [];
  const dms = new Map<string, string>();
  let base = '';
  /** A new message: stored in its channel's history, with whom it would notify. */
  function post(m: SlackMessage): string {
    messages.set(m.ts, m);
    for (const who of wouldNotify(`${m.text} ${JSON.stringify(m.blocks)}`)) pings.push({ ts: m.ts, who });
    return m.ts;
  }
  const files = createFakeSlackFiles({
    botToken,
    base: () => base,
    notInChannel,
    postShare: ({ threadTs, ...share }) =>
      post({ ...share, ts: ts(), ...(threadTs ? { threadTs } : {}), deleted: false, updates: 0 }),
  });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = await read(req);
    const auth = req.headers.authorization;
    if (files.serve(url, raw, req, res)) return;
    if (url.pathname.startsWith('/response/')) {
      responses.push({
        id: url.pathname.slice('/response/'.length),
        body: JSON.parse(raw.toString() || '{}'),
      });
      return send(res, 200, 'ok');
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const params = parseParams(raw, req.headers['content-type']);
    calls.push({ method, auth, params });
    const limited = rateLimit.get(method) ?? 0;
    if (limited > 0) {
      rateLimit.set(method, limited - 1);
      res
        .writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' })
        .end('{"ok":false,"error":"ratelimited"}');
      return;
    }
    const fault = faults.find((f) => f.method === method && f.count > 0 && (f.when?.(params) ?? true));
    if (fault) fault.count--;
    if (fault?.hang) return;
    if (fault && !fault.lose && !fault.error) return send(res, 500, 'internal error');
    const ok = (body: Record<string, unknown> = {}) =>
      fault?.lose ? send(res, 500, 'internal error') : json(res, { ok: true, ...body });
    const fail = (error: string) => json(res, { ok: false, error });
    if (fault?.error) return fail(fault.error);
    if (method === 'apps.connections.open') {
      if (auth !== `Bearer ${appToken}`) return fail('invalid_auth');
      return ok({ url: `${base.replace('http', 'ws')}/socket` });
    }
    if (auth !== `Bearer ${botToken}`) return fail('invalid_auth');
    // Live Slack refuses a JSON body here (as if filename and length were missing), though its
    // reference lists JSON among the method's content types.
    if (method === 'files.getUploadURLExternal' && req.headers['content-type']?.includes('application/json'))
      return fail('invalid_arguments');
    if (files.api(method, params, ok, fail)) return;
    if (invalidBlocks(jsonParam<unknown>(params.blocks)) || invalidBlocks(jsonParam<unknown>(params.view)))
      return fail('invalid_blocks');
    // Slack refuses an image block of a file it is still processing (files.info: empty mimetype).
    if (files.showsUnprocessed(jsonParam<unknown>(params.blocks))) return fail('invalid_blocks');
    if (modals.api(method, params, ok, fail)) return;
    const channel = String(params.channel ?? '');
    switch (method) {
      case 'auth.test':
        return ok({
          user_id: 'UBOT',
          bot_id: 'BBOT',
          team_id: 'T1',
          url: 'https://fake.slack.com/',
          user: 'flux',
        });
      case 'chat.postMessage': {
        if (notInChannel.has(channel)) return fail('not_in_channel');
        if (channelErrors.has(channel)) return fail(channelErrors.get(channel) as string);
        const m: SlackMessage = {
          channel,
          ts: ts(),
          text: String(params.text ?? ''),
          blocks: jsonParam(params.blocks) ?? [],
          deleted: false,
          updates: 0,
        };
        if (params.thread_ts) m.threadTs = String(params.thread_ts);
        const metadata = jsonParam<SlackMessage['metadata']>(params.metadata);
        if (metadata) m.metadata = metadata;
        post(m);
        return ok({ channel, ts: m.ts, message: { text: m.text } });
      }
      case 'chat.update': {
        const m = messages.get(String(params.ts));
        if (!m) return fail('message_not_found');
        m.text = String(params.text ?? m.text);
        m.blocks = jsonParam(params.blocks) ?? m.blocks;
        m.updates++;
        return ok({ channel, ts: m.ts });
      }
      case 'chat.delete': {
        const m = messages.get(String(params.ts));
        if (m) m.deleted = true;
        return m ? ok() : fail('message_not_found');
      }
      case 'chat.getPermalink': {
        // As Slack answers: a reply's permalink names its thread (thread_ts, cid) so it opens there.
        const m = messages.get(String(params.message_ts));
        if (!channel || (m && m.channel !== channel)) return fail('channel_not_found');
        if (!m || m.deleted) return fail('message_not_found');
        const link = `https://fake.slack.com/archives/${channel}/p${m.ts.replace('.', '')}`;
        return ok({
          channel,
          permalink: m.threadTs ? `${link}?thread_ts=${m.threadTs}&cid=${channel}` : link,
        });
      }
      case 'chat.postEphemeral':
        if (notInChannel.has(channel)) return fail('not_in_channel');
        if (channelErrors.has(channel)) return fail(channelErrors.get(channel) as string);
        ephemerals.push({
          channel,
          user: String(params.user),
          text: String(params.text ?? ''),
          blocks: jsonParam(params.blocks) ?? [],
        });
        return ok({ message_ts: ts() });
      case 'conversations.replies': {
        const parent = messages.get(String(params.ts));
        if (!parent || parent.channel !== channel) return fail('thread_not_found');
        if (notInChannel.has(channel)) return fail('not_in_channel');
        const withMeta = ['true', '1', true].includes(params.include_all_metadata as string | boolean);
        const thread = [...messages.values()]
          .filter((m) => !m.deleted && m.channel === channel && (m === parent || m.threadTs === parent.ts))
          .map((m) => ({
            type: 'message',
            ts: m.ts,
            text: m.text,
            ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
            ...(m.files ? { files: m.files.map((id) => ({ id })), upload: true } : {}),
            ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
          }));
        return ok({ messages: thread, has_more: false, response_metadata: { next_cursor: '' } });
      }
      case 'conversations.open': {
        const user = String(params.users ?? '');
        if (!user) return fail('invalid_arguments');
        const id = dms.get(user) ?? `D${user}`;
        dms.set(user, id);
        return ok({ channel: { id } });
      }
      case 'users.info': {
        const user = String(params.user);
        // Like Slack, the locale only when asked for (`include_locale=true`); en-US unless set.
        const withLocale = params.include_locale === true || params.include_locale === 'true';
        // A Slack Connect member keeps their own team_id, and is_admin speaks of that team.
        return ok({
          user: {
            id: user,
            team_id: userTeams.get(user) ?? 'T1',
            name: `user-${user}`,
            is_admin: admins.has(user),
            is_owner: false,
            ...(withLocale ? { locale: userLocales.get(user) ?? 'en-US' } : {}),
          },
        });
      }
      default:
        return fail('unknown_method');
    }
  });

  const socket = attachFakeSocketMode(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${base}/api/`,
    base,
    botToken,
    appToken,
    calls,
    messages,
    ephemerals,
    pings,
    responses,
    views: modals.opened,
    modals,
    uploads: files.uploads,
    fileRequests: files.fileRequests,
    notInChannel,
    channelErrors,
    admins,
    userTeams,
    userLocales,
    get missingFilesScope() {
      return files.state.missingFilesScope;
    },
    set missingFilesScope(v: boolean) {
      files.state.missingFilesScope = v;
    },
    get fileRedirect() {
      return files.state.fileRedirect;
    },
    set fileRedirect(v: string | undefined) {
      files.state.fileRedirect = v;
    },
    get shareLag() {
      return files.state.shareLag;
    },
    get processLag() {
      return files.state.processLag;
    },
    set processLag(v: number) {
      files.state.processLag = v;
    },
    set shareLag(v: number) {
      files.state.shareLag = v;
    },
    rateLimit,
    faults,
    dms,
    addFile: files.addFile,
    responseUrl: () => `${base}/response/${++seq}`,
    sendEnvelope: socket.sendEnvelope,
    socketConnected: socket.connected,
    async close() {
      socket.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
