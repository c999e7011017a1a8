/**
 * A loopback Discord: the REST API under /api/v10 (interaction callbacks, webhooks and `@original`,
 * channel messages with multipart files, threads, command registration, /gateway/bot) and a small
 * gateway over WebSocket (hello → identify → READY, heartbeats, then any dispatch a test sends).
 * It records every call and answers like Discord: snowflake ids, JSON, `Bot <token>` on bot routes and
 * none on interaction routes, 403 Missing Permissions on thread creation (or on posts in a thread) when
 * told to, 401 Invalid Webhook Token for expired interaction tokens, 413 for a request over
 * `maxRequestBytes`, 400 Invalid Form Body for a malformed `allowed_mentions`. It works out who each
 * message would notify (`pings`) the way Discord does. Like Discord, a bot post with `enforce_nonce` and
 * a nonce used in the last few minutes returns the message already made; a thread started from a message
 * has the message's id (a second one: 400, 160004). Channels can be closed to the bot (403 50001),
 * answers lost after the post was made, deletes refused, and DMs opened (POST /users/@me/channels).
 * Attachments live on a fake CDN under the same origin with signed, expiring links (`ex`/`is`/`hm`),
 * which POST /attachments/refresh-urls renews; the files of a deleted message answer 404 there.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { MESSAGE_PATH, mentionsProblem, wouldPing } from './discord-mentions.ts';

export interface FakeMessage {
  id: string;
  channelId: string;
  content: string;
  embeds: Array<Record<string, unknown>>;
  components: Array<{ components: Array<{ label?: string; custom_id?: string }> }>;
  attachments: Array<{
    id: string;
    filename: string;
    size: number;
    url: string;
    content_type?: string;
    /** The alt text the sender gave the file (`attachments[n].description`), as Discord keeps it. */
    description?: string;
  }>;
  flags: number;
  via: 'interaction' | 'webhook' | 'bot';
  deleted: boolean;
  replyTo?: string;
  nonce?: string;
}

export interface DiscordCall {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
  files: Array<{ name: string; size: number; type: string }>;
}

export interface FakeDiscord {
  /** Pass as DISCORD_API_BASE / REST `api`. */
  api: string;
  token: string;
  calls: DiscordCall[];
  messages: Map<string, FakeMessage>;
  threads: Map<string, { id: string; parentId: string; messageId: string; name: string }>;
  callbacks: Array<{ interactionId: string; body: { type: number; data?: Record<string, unknown> } }>;
  commands: unknown[];
  /** Bot-route calls made without the right token, interaction routes called with one. */
  authViolations: string[];
  denyThreads: boolean;
  /** Posting in these threads answers 403 Missing Permissions (say, Send Messages in Threads denied). */
  closedThreads: Set<string>;
  /** Posting in any thread the bot made answers 403 (set before the thread exists). */
  refuseThreadPosts: boolean;
  expiredTokens: Set<string>;
  /**
   * Who new messages would notify, as Discord decides: mentions in `content` only (never in embeds),
   * those `allowed_mentions` lets through — all of them when it is absent. An escaped `\<@id>` still
   * pings. An edit notifies nobody (Discord sends no notification for a mention an edit adds).
   */
  pings: Array<{ path: string; who: string }>;
  /** The same for edits (PATCH, an UpdateMessage callback): highlighted for whom it names, never notified. */
  highlights: Array<{ path: string; who: string }>;
  /** Largest total of file bytes one request may carry (413, code 40005 above it); 0 for no limit. */
  maxRequestBytes: number;
  /** Attachment links exchanged through POST /attachments/refresh-urls: original → refreshed. */
  refreshedLinks: Map<string, string>;
  /** Channels the bot was removed from: bot routes in them (and their threads) answer 403 Missing Access. */
  kickedChannels: Set<string>;
  /** The next N bot-token message posts are made, but the answer is lost (the connection drops). */
  loseMessageAnswers: number;
  /** Deleting messages answers 403 Missing Permissions. */
  refuseDeletes: boolean;
  /** The next N threads are made, but the answer is lost (the connection drops). */
  loseThreadAnswers: number;
  /** DM channels opened with POST /users/@me/channels: user → channel id. */
  dms: Map<string, string>;
  snowflake(): string;
  /** Sends a dispatch to every connected gateway client. */
  dispatch(t: string, d: unknown): void;
  gatewayReady: Promise<void>;
  /** The interaction's own message (the deferred reply that became the card). */
  originalOf(token: string): FakeMessage | undefined;
  /** Tells the fake which channel an interaction token belongs to (HTTP-mode interactions skip dispatch). */
  bindToken(tok: string, channelId: string): void;
  close(): Promise<void>;
}

let counter = 0n;
export function snowflake(): string {
  counter++;
  return ((BigInt(Date.now() - 1420070400000) << 22n) + counter).toString();
}

export async function startFakeDiscord(token = 'MTA5.fake-bot-token.for-tests-only'): Promise<FakeDiscord> {
  const calls: DiscordCall[] = [];
  const pings: FakeDiscord['pings'] = [];
  const highlights: FakeDiscord['highlights'] = [];
  const messages = new Map<string, FakeMessage>();
  const threads: FakeDiscord['threads'] = new Map();
  const callbacks: FakeDiscord['callbacks'] = [];
  const authViolations: string[] = [];
  const expiredTokens = new Set<string>();
  const originals = new Map<string, string>(); // interaction token → @original message id
  const tokenChannel = new Map<string, string>(); // interaction token → channel (from the callback's interaction)
  let commands: unknown[] = [];
  let base = '';
  const sockets = new Set<WebSocket>();
  let seq = 0;
  let readyResolve!: () => void;
  const gatewayReady = new Promise<void>((r) => {
    readyResolve = r;
  });
  const state = {
    denyThreads: false,
    refuseThreadPosts: false,
    maxRequestBytes: 0,
    loseMessageAnswers: 0,
    refuseDeletes: false,
    loseThreadAnswers: 0,
  };
  const kickedChannels = new Set<string>();
  const dms = new Map<string, string>();
  // Like Discord's enforce_nonce: a nonce the bot used in the last few minutes returns that message.
  const NONCE_WINDOW_MS = 5 * 60_000;
  const nonces = new Map<string, { id: string; at: number }>();
  const closedThreads = new Set<string>();
  const refreshedLinks = new Map<string, string>();

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10/, '');
    const { body, files } = await readPayload(req);
    const auth = req.headers.authorization;
    calls.push({
      method: req.method ?? 'GET',
      path,
      auth,
      body,
      files: files.map((f) => ({ name: f.name, size: f.data.length, type: f.type })),
    });
    const m = (re: RegExp) => re.exec(path);
    const fileBytes = files.reduce((sum, f) => sum + f.data.length, 0);
    if (state.maxRequestBytes && fileBytes > state.maxRequestBytes)
      return json(res, 413, { message: 'Request entity too large', code: 40005 });
    const bot = () => {
      if (auth !== `Bot ${token}`) {
        authViolations.push(`${req.method} ${path} without the bot token`);
        json(res, 401, { message: '401: Unauthorized', code: 0 });
        return false;
      }
      return true;
    };
    const noAuth = () => {
      if (auth) authViolations.push(`${req.method} ${path} carried Authorization`);
      return true;
    };
    const kicked = (channelId: string) => {
      const parent = threads.get(channelId)?.parentId;
      if (!kickedChannels.has(channelId) && !(parent && kickedChannels.has(parent))) return false;
      json(res, 403, { message: 'Missing Access', code: 50001 });
      return true;
    };
    const makeMessage = (
      channelId: string,
      via: FakeMessage['via'],
      b: Record<string, unknown>,
    ): FakeMessage => {
      const id = snowflake();
      const described = describedFiles(b);
      const attachments = files.map((f, n) => ({
        id: snowflake(),
        filename: f.name,
        size: f.data.length,
        url: signedLink(`${base}/cdn/attachments/${channelId}/${id}/${f.name}`),
        content_type: f.type,
        ...(described.get(n) !== undefined ? { description: described.get(n) } : {}),
      }));
      const msg: FakeMessage = {
        id,
        channelId,
        content: String(b.content ?? ''),
        embeds: (b.embeds as FakeMessage['embeds']) ?? [],
        components: (b.components as FakeMessage['components']) ?? [],
        attachments,
        flags: Number(b.flags ?? 0),
        via,
        deleted: false,
      };
      const ref = (b.message_reference as { message_id?: string } | undefined)?.message_id;
      if (ref) msg.replyTo = ref;
      messages.set(id, msg);
      return msg;
    };
    const edit = (msg: FakeMessage, b: Record<string, unknown>) => {
      if ('content' in b) msg.content = String(b.content ?? '');
      if ('embeds' in b) msg.embeds = (b.embeds as FakeMessage['embeds']) ?? [];
      if ('components' in b) msg.components = (b.components as FakeMessage['components']) ?? [];
    };
    const wire = (msg: FakeMessage) => ({
      id: msg.id,
      channel_id: msg.channelId,
      content: msg.content,
      embeds: msg.embeds,
      components: msg.components,
      attachments: msg.attachments,
      flags: msg.flags,
    });
    const b = (body ?? {}) as Record<string, unknown>;
    /** A message's PATCH edits it and its DELETE removes it (unless deletes are refused); true if answered. */
    const editOrDelete = (msg: FakeMessage): boolean => {
      if (req.method === 'PATCH') {
        edit(msg, b);
        json(res, 200, wire(msg));
        return true;
      }
      if (req.method !== 'DELETE') return false;
      if (state.refuseDeletes) json(res, 403, { message: 'Missing Permissions', code: 50013 });
      else {
        msg.deleted = true;
        res.writeHead(204).end();
      }
      return true;
    };
    let match: RegExpExecArray | null;
    // A message (or an interaction response carrying one) is checked and its mentions worked out.
    const sent =
      /\/callback$/.test(path) && (b.type === 4 || b.type === 7)
        ? ((b.data ?? {}) as Record<string, unknown>)
        : (req.method === 'POST' || req.method === 'PATCH') && MESSAGE_PATH.test(path)
          ? b
          : undefined;
    if (sent) {
      // Like Discord: alt text past 1024 characters is refused, not cut.
      if ([...describedFiles(sent).values()].some((d) => d.length > 1024))
        return json(res, 400, {
          message: 'Invalid Form Body',
          code: 50035,
          errors: { attachments: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'description' }] } },
        });
      const problem = mentionsProblem(sent.allowed_mentions);
      if (problem)
        return json(res, 400, {
          message: 'Invalid Form Body',
          code: 50035,
          errors: { allowed_mentions: { _errors: [{ code: 'BASE_TYPE_BAD', message: problem }] } },
        });
      const edit = req.method === 'PATCH' || (/\/callback$/.test(path) && b.type === 7);
      for (const who of wouldPing(sent)) (edit ? highlights : pings).push({ path, who });
    }

    if (req.method === 'GET' && path === '/users/@me') {
      if (!bot()) return;
      return json(res, 200, { id: '100000000000000001', username: 'flux', discriminator: '0', bot: true });
    }
    if (req.method === 'GET' && path === '/gateway/bot') {
      if (!bot()) return;
      return json(res, 200, {
        url: `${base.replace('http', 'ws')}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
      });
    }
    match = m(/^\/interactions\/(\d+)\/([^/]+)\/callback$/);
    if (match && req.method === 'POST') {
      noAuth();
      callbacks.push({ interactionId: match[1] as string, body: b as { type: number } });
      const tok = match[2] as string;
      if (b.type === 4 || b.type === 5) {
        const channel = tokenChannel.get(tok) ?? 'unknown';
        const msg = makeMessage(
          channel,
          'interaction',
          ((b.data as Record<string, unknown>) ?? {}) as Record<string, unknown>,
        );
        if (b.type === 5) msg.content = '(thinking…)';
        originals.set(tok, msg.id);
      }
      res.writeHead(204).end();
      return;
    }
    match = m(/^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/([^/]+))?$/);
    if (match) {
      noAuth();
      const tok = match[2] as string;
      if (expiredTokens.has(tok)) return json(res, 401, { message: 'Invalid Webhook Token', code: 50027 });
      if (match[3] === '@original' && !originals.has(tok) && tokenChannel.has(tok)) {
        // HTTP-mode deferrals are answered in the HTTP response, which this fake never sees: Discord
        // would have made the placeholder then.
        const placeholder = makeMessage(tokenChannel.get(tok) as string, 'interaction', {});
        placeholder.content = '(thinking…)';
        originals.set(tok, placeholder.id);
      }
      const target = match[3] === '@original' ? originals.get(tok) : match[3];
      if (req.method === 'POST' && !match[3]) {
        const msg = makeMessage(tokenChannel.get(tok) ?? 'unknown', 'webhook', b);
        return json(res, 200, wire(msg));
      }
      const msg = target ? messages.get(target) : undefined;
      if (!msg) return json(res, 404, { message: 'Unknown Message', code: 10008 });
      if (editOrDelete(msg)) return;
    }
    match = m(/^\/channels\/(\d+)\/messages\/(\d+)\/threads$/);
    if (match && req.method === 'POST') {
      if (!bot()) return;
      if (kicked(match[1] as string)) return;
      if (state.denyThreads) return json(res, 403, { message: 'Missing Permissions', code: 50013 });
      // A thread started from a message has the message's id; there is only one per message.
      if (threads.has(match[2] as string))
        return json(res, 400, {
          message: 'A thread has already been created for this message',
          code: 160004,
        });
      const thread = {
        id: match[2] as string,
        parentId: match[1] as string,
        messageId: match[2] as string,
        name: String(b.name ?? ''),
      };
      threads.set(thread.id, thread);
      if (state.loseThreadAnswers > 0) {
        state.loseThreadAnswers--;
        res.destroy();
        return;
      }
      return json(res, 201, { id: thread.id, type: 11, name: thread.name, parent_id: thread.parentId });
    }
    match = m(/^\/channels\/(\d+)\/messages$/);
    if (match && req.method === 'POST') {
      if (!bot()) return;
      const channel = match[1] as string;
      if (kicked(channel)) return;
      if (threads.has(channel) && (state.refuseThreadPosts || closedThreads.has(channel)))
        return json(res, 403, { message: 'Missing Permissions', code: 50013 });
      const nonce = b.nonce === undefined ? undefined : String(b.nonce);
      if (nonce !== undefined && nonce.length > 25)
        return json(res, 400, { message: 'Invalid Form Body', code: 50035 });
      const seen = nonce && b.enforce_nonce ? nonces.get(nonce) : undefined;
      let msg = seen && Date.now() - seen.at < NONCE_WINDOW_MS ? messages.get(seen.id) : undefined;
      if (!msg) {
        msg = makeMessage(channel, 'bot', b);
        if (nonce) {
          msg.nonce = nonce;
          nonces.set(nonce, { id: msg.id, at: Date.now() });
        }
      }
      if (state.loseMessageAnswers > 0) {
        state.loseMessageAnswers--;
        res.destroy();
        return;
      }
      return json(res, 200, { ...wire(msg), ...(msg.nonce ? { nonce: msg.nonce } : {}) });
    }
    if (path === '/users/@me/channels' && req.method === 'POST') {
      if (!bot()) return;
      const user = String(b.recipient_id ?? '');
      const id = dms.get(user) ?? snowflake();
      dms.set(user, id);
      return json(res, 200, { id, type: 1, recipients: [{ id: user }] });
    }
    if (path === '/attachments/refresh-urls' && req.method === 'POST') {
      if (!bot()) return;
      const urls = (b.attachment_urls as string[] | undefined) ?? [];
      const refreshed = urls.map((original) => {
        const link = signedLink(original.split('?')[0] as string);
        refreshedLinks.set(original, link);
        return { original, refreshed: link };
      });
      return json(res, 200, { refreshed_urls: refreshed });
    }
    match = m(/^\/channels\/(\d+)\/messages\/(\d+)$/);
    if (match) {
      if (!bot()) return;
      const msg = messages.get(match[2] as string);
      if (!msg || msg.deleted) return json(res, 404, { message: 'Unknown Message', code: 10008 });
      if (kicked(match[1] as string)) return;
      if (req.method === 'GET') return json(res, 200, wire(msg));
      if (editOrDelete(msg)) return;
    }
    match = m(/^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/);
    if (match && req.method === 'PUT') {
      if (!bot()) return;
      commands = (body as unknown[]).map((c) => ({
        ...(c as object),
        id: snowflake(),
        application_id: match?.[1],
      }));
      return json(res, 200, commands);
    }
    if (path.startsWith('/cdn/')) {
      noAuth();
      // Like Discord's CDN: a link past its `ex` is gone, and so are the files of a deleted message.
      const ex = Number.parseInt(url.searchParams.get('ex') ?? '0', 16) * 1000;
      const messageId = /^\/cdn\/attachments\/\d+\/(\d+)\//.exec(path)?.[1];
      if (ex < Date.now() || (messageId && messages.get(messageId)?.deleted))
        return json(res, 404, { message: 'This content is no longer available.' });
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('89504e470d0a1a0a', 'hex'));
      return;
    }
    json(res, 404, { message: '404: Not Found', code: 0 });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/gateway')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
      ws.on('message', (raw) => {
        const msg = JSON.parse(raw.toString()) as { op: number; d: { token?: string } };
        if (msg.op === 1) ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
        if (msg.op === 2) {
          if (msg.d.token !== token && msg.d.token !== `Bot ${token}`)
            authViolations.push('gateway identify with a wrong token');
          ws.send(
            JSON.stringify({
              op: 0,
              s: ++seq,
              t: 'READY',
              d: {
                v: 10,
                user: {
                  id: '100000000000000001',
                  username: 'flux',
                  discriminator: '0',
                  bot: true,
                  avatar: null,
                },
                guilds: [],
                session_id: 'fake-session',
                resume_gateway_url: `${base.replace('http', 'ws')}/gateway`,
                application: { id: '100000000000000002', flags: 0 },
              },
            }),
          );
          readyResolve();
        }
      });
    });
  });

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: Omit<FakeDiscord, keyof typeof state> = {
    api: `${base}/api`,
    token,
    calls,
    pings,
    highlights,
    messages,
    threads,
    callbacks,
    get commands() {
      return commands;
    },
    authViolations,
    closedThreads,
    expiredTokens,
    refreshedLinks,
    kickedChannels,
    dms,
    snowflake,
    dispatch(t, d) {
      const packet = JSON.stringify({ op: 0, s: ++seq, t, d });
      for (const ws of sockets) ws.send(packet);
      const raw = d as { token?: string; channel?: { id: string }; channel_id?: string };
      if (raw.token) tokenChannel.set(raw.token, raw.channel?.id ?? raw.channel_id ?? 'unknown');
    },
    gatewayReady,
    originalOf(tok: string) {
      const id = originals.get(tok);
      return id ? messages.get(id) : undefined;
    },
    bindToken(tok: string, channelId: string) {
      tokenChannel.set(tok, channelId);
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
  // The switches a test flips live in `state`, which the handlers read: the fake exposes them as its own.
  for (const key of Object.keys(state) as Array<keyof typeof state>)
    Object.defineProperty(fake, key, {
      get: () => state[key],
      set: (v: never) => {
        state[key] = v;
      },
      enumerable: true,
    });
  return fake as FakeDiscord;
}

/** A CDN link signed the way Discord's are since 2023: `ex` (expiry) and `is` (issued) in hex seconds, `hm`. */
export function signedLink(link: string, lifetimeMs = 24 * 3600_000, issued = Date.now()): string {
  const hex = (ms: number) => Math.floor(ms / 1000).toString(16);
  return `${link}?ex=${hex(issued + lifetimeMs)}&is=${hex(issued)}&hm=${snowflake().slice(-12)}&`;
}

/** The `description` (alt text) a message body gives each new file, by its index `n` in `files[n]`. */
function describedFiles(b: Record<string, unknown>): Map<number, string> {
  const out = new Map<number, string>();
  const list = Array.isArray(b.attachments) ? (b.attachments as Array<Record<string, unknown>>) : [];
  for (const a of list)
    if (typeof a.description === 'string' && a.id !== undefined) out.set(Number(a.id), a.description);
  return out;
}

async function readPayload(
  req: IncomingMessage,
): Promise<{ body: unknown; files: Array<{ name: string; type: string; data: Buffer }> }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: Array<{ name: string; type: string; data: Buffer }> = [];
    let body: unknown;
    for (const [key, value] of form.entries()) {
      if (key === 'payload_json') body = JSON.parse(String(value));
      else if (typeof value !== 'string')
        files.push({ name: value.name, type: value.type, data: Buffer.from(await value.arrayBuffer()) });
    }
    return { body, files };
  }
  if (!raw.length) return { body: undefined, files: [] };
  try {
    return { body: JSON.parse(raw.toString()), files: [] };
  } catch {
    return { body: raw.toString(), files: [] };
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
