/**
 * A loopback Slack: the Web API methods the bot uses (form or JSON bodies, Bearer tokens), the external
 * upload flow with byte-length checks, a private file host that needs the bot token (and answers an HTML
 * login page without it, or in "missing scope" mode), response URLs, and Socket Mode over WebSocket.
 * Every call is recorded with the Authorization it carried and the host it reached.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Array<Record<string, unknown>>;
  threadTs?: string;
  deleted: boolean;
  updates: number;
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
  responses: Array<{ id: string; body: Record<string, unknown> }>;
  views: Array<{ triggerId: string; view: Record<string, unknown> }>;
  uploads: Map<
    string,
    {
      filename: string;
      declared: number;
      received: number;
      data: Buffer;
      channel?: string;
      threadTs?: string;
      completed: boolean;
    }
  >;
  /** Requests to the private file host, with their Authorization header. */
  fileRequests: Array<{ path: string; auth: string | undefined }>;
  notInChannel: Set<string>;
  admins: Set<string>;
  /** The file host answers its login page even with the token (the app lacks files:read). */
  missingFilesScope: boolean;
  /** The next N calls of this method answer 429 with Retry-After: 1. */
  rateLimit: Map<string, number>;
  /** A file a user shared: served at its url_private to the bot token. */
  addFile(
    name: string,
    data: Buffer,
    mimetype?: string,
  ): { id: string; url_private: string; permalink: string; mimetype: string };
  responseUrl(): string;
  /** Sends a Socket Mode envelope and resolves with the client's ack payload. */
  sendEnvelope(type: string, payload: unknown): Promise<Record<string, unknown>>;
  socketConnected: Promise<void>;
  close(): Promise<void>;
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
  const responses: FakeSlack['responses'] = [];
  const views: FakeSlack['views'] = [];
  const uploads: FakeSlack['uploads'] = new Map();
  const fileRequests: FakeSlack['fileRequests'] = [];
  const shared = new Map<string, { name: string; data: Buffer; mimetype: string }>();
  const state = { missingFilesScope: false };
  const notInChannel = new Set<string>();
  const admins = new Set<string>();
  const rateLimit = new Map<string, number>();
  let base = '';
  const sockets = new Set<WebSocket>();
  const acks = new Map<string, (payload: Record<string, unknown>) => void>();
  let connectedResolve!: () => void;
  const socketConnected = new Promise<void>((r) => {
    connectedResolve = r;
  });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = await read(req);
    const auth = req.headers.authorization;
    if (url.pathname.startsWith('/upload/')) {
      const id = url.pathname.slice('/upload/'.length);
      const up = uploads.get(id);
      if (!up) return send(res, 404, 'no such upload');
      const data = partData(raw, req.headers['content-type']);
      up.received = data.length;
      up.data = data;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${data.length}`);
      return;
    }
    if (url.pathname.startsWith('/files-pri/')) {
      fileRequests.push({ path: url.pathname, auth });
      const id = url.pathname.split('/')[2] ?? '';
      const file =
        shared.get(id) ??
        (uploads.get(id)
          ? {
              name: uploads.get(id)?.filename ?? '',
              data: uploads.get(id)?.data ?? Buffer.alloc(0),
              mimetype: 'image/png',
            }
          : undefined);
      if (auth !== `Bearer ${botToken}` || state.missingFilesScope || !file) {
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
        return;
      }
      res
        .writeHead(200, { 'content-type': file.mimetype, 'content-length': file.data.length })
        .end(file.data);
      return;
    }
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
    const ok = (body: Record<string, unknown> = {}) => json(res, { ok: true, ...body });
    const fail = (error: string) => json(res, { ok: false, error });
    if (method === 'apps.connections.open') {
      if (auth !== `Bearer ${appToken}`) return fail('invalid_auth');
      return ok({ url: `${base.replace('http', 'ws')}/socket` });
    }
    if (auth !== `Bearer ${botToken}`) return fail('invalid_auth');
    const channel = String(params.channel ?? params.channel_id ?? '');
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
        const m: SlackMessage = {
          channel,
          ts: ts(),
          text: String(params.text ?? ''),
          blocks: jsonParam(params.blocks) ?? [],
          deleted: false,
          updates: 0,
        };
        if (params.thread_ts) m.threadTs = String(params.thread_ts);
        messages.set(m.ts, m);
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
      case 'chat.postEphemeral':
        if (notInChannel.has(channel)) return fail('not_in_channel');
        ephemerals.push({
          channel,
          user: String(params.user),
          text: String(params.text ?? ''),
          blocks: jsonParam(params.blocks) ?? [],
        });
        return ok({ message_ts: ts() });
      case 'files.getUploadURLExternal': {
        const id = `F${String(++seq).padStart(8, '0')}`;
        uploads.set(id, {
          filename: String(params.filename),
          declared: Number(params.length),
          received: -1,
          data: Buffer.alloc(0),
          completed: false,
        });
        return ok({ upload_url: `${base}/upload/${id}`, file_id: id });
      }
      case 'files.completeUploadExternal': {
        const files = jsonParam(params.files) as Array<{ id: string; title?: string }>;
        for (const f of files) {
          const up = uploads.get(f.id);
          if (!up || up.received !== up.declared) return fail('upload_length_mismatch');
          up.completed = true;
          up.channel = channel;
          if (params.thread_ts) up.threadTs = String(params.thread_ts);
        }
        return ok({
          files: files.map((f) => ({
            id: f.id,
            name: uploads.get(f.id)?.filename,
            url_private: `${base}/files-pri/${f.id}/${uploads.get(f.id)?.filename}`,
            permalink: `https://fake.slack.com/files/U1/${f.id}/x`,
          })),
        });
      }
      case 'files.info': {
        const id = String(params.file);
        const f = shared.get(id);
        return f
          ? ok({
              file: {
                id,
                name: f.name,
                mimetype: f.mimetype,
                url_private: `${base}/files-pri/${id}/${f.name}`,
              },
            })
          : fail('file_not_found');
      }
      case 'files.delete': {
        const up = uploads.get(String(params.file));
        if (up) up.completed = false;
        return ok();
      }
      case 'views.open':
        views.push({
          triggerId: String(params.trigger_id),
          view: jsonParam(params.view) as Record<string, unknown>,
        });
        return ok({ view: { id: `V${++seq}` } });
      case 'users.info': {
        const user = String(params.user);
        return ok({ user: { id: user, name: `user-${user}`, is_admin: admins.has(user), is_owner: false } });
      }
      default:
        return fail('unknown_method');
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as {
          envelope_id?: string;
          payload?: Record<string, unknown>;
        };
        if (msg.envelope_id) acks.get(msg.envelope_id)?.(msg.payload ?? {});
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'fake', approximate_connection_time: 18060 },
          connection_info: { app_id: 'A1' },
        }),
      );
      connectedResolve();
    });
  });

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
    responses,
    views,
    uploads,
    fileRequests,
    notInChannel,
    admins,
    get missingFilesScope() {
      return state.missingFilesScope;
    },
    set missingFilesScope(v: boolean) {
      state.missingFilesScope = v;
    },
    rateLimit,
    addFile(name, data, mimetype = 'image/png') {
      const id = `F${String(++seq).padStart(8, '0')}`;
      shared.set(id, { name, data, mimetype });
      return {
        id,
        url_private: `${base}/files-pri/${id}/${name}`,
        permalink: `https://fake.slack.com/files/U1/${id}/${name}`,
        mimetype,
      };
    },
    responseUrl: () => `${base}/response/${++seq}`,
    sendEnvelope(type, payload) {
      const envelope_id = `env-${++seq}`;
      const acked = new Promise<Record<string, unknown>>((resolve) => acks.set(envelope_id, resolve));
      for (const ws of sockets)
        ws.send(
          JSON.stringify({ envelope_id, type, payload, accepts_response_payload: type !== 'events_api' }),
        );
      return acked;
    },
    socketConnected,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function parseParams(raw: Buffer, type: string | undefined): Record<string, unknown> {
  const text = raw.toString();
  if (!text) return {};
  if (type?.includes('application/json')) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

function jsonParam<T = Array<Record<string, unknown>>>(v: unknown): T | undefined {
  if (v === undefined) return undefined;
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

/** The uploaded bytes: the raw body, or the file part of a multipart body. */
function partData(raw: Buffer, type: string | undefined): Buffer {
  const boundary = type?.match(/boundary=(?:"([^"]+)"|([^;]+))/);
  if (!boundary) return raw;
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const start = raw.indexOf(marker);
  const headerEnd = raw.indexOf('\r\n\r\n', start);
  const end = raw.indexOf(marker, headerEnd);
  return raw.subarray(headerEnd + 4, end - 2);
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}
