/**
 * A loopback OpenAI-compatible images gateway in one of two dialects (bfl-api.md), behind
 * `Authorization: Bearer`, serving only under `/v1`:
 * - `seed` (the seed article's gateway): JSON `POST /v1/images/generations` with `reference_images:
 *   [{ type: 'url', url } | { type: 'base64', data }]` (at most 10), and JSON `POST /v1/images/edits`
 *   `{ model, prompt, image, mode: 'edit' }`; sides multiples of 16, at most 2048 (else 400).
 * - `openai` (OpenAI's images API): JSON generations, and multipart `POST /v1/images/edits` with
 *   `image[]` (or `image`) file parts, at most 16.
 * Like real gateways it ignores fields it does not know: a reference in the other dialect's shape is
 * dropped without a word. `received` is what it understood, per image call — tests assert every
 * reference arrives there. Answers `{ created, data: [...] }`: a `url` when asked for
 * (`response_format: 'url'`, a link on the "CDN" listener), else `b64_json`. Links on the gateway itself
 * (`/files/…`) want the Bearer; the CDN records headers so tests can assert no key reaches it. Errors use
 * OpenAI's shape: { error: { message, type, code } }.
 *
 * Prompt keywords: [url] (link on the gateway) [cdn] (link on the CDN) [data-url] (url is a data: URL)
 * [not-image] (the image is HTML) [empty] (200 without an image) [moderated] (400
 * content_policy_violation) [400] [402] [403] [422] [429] (Retry-After `retryAfter`) [quota] (429
 * insufficient_quota) [500]. configure(): rateLimitNext / failNext ("the next N calls answer 429 / 500"),
 * delayMs (every image call answers that late), outOfCredits (every image call answers 402).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, json, listen } from './bfl/net.ts';
import { tinyPng } from './images.ts';

export type GatewayDialect = 'seed' | 'openai';

export interface FakeGatewayOptions {
  apiKey: string;
  dialect: GatewayDialect;
  retryAfter: number | undefined;
  rateLimitNext: number;
  failNext: number;
  /** Image calls answer after this long (a gateway answers only when the image is made). */
  delayMs: number;
  outOfCredits: boolean;
}

export interface GatewayRequest {
  host: 'gateway' | 'cdn';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Parsed JSON, or the text fields of a multipart form. */
  body: Record<string, unknown> | undefined;
}

/** A reference as the gateway understood it. */
export type ReceivedReference = { kind: 'url'; url: string } | { kind: 'bytes'; data: Buffer; type?: string };

/** One image call as the gateway understood it (unknown fields dropped). */
export interface ReceivedCall {
  path: string;
  model: unknown;
  prompt: string;
  size: unknown;
  references: ReceivedReference[];
}

export interface FakeGateway {
  url: string;
  cdnBase: string;
  requests: GatewayRequest[];
  received: ReceivedCall[];
  /** Image calls (generations + edits) received, wherever they were sent. */
  calls(): number;
  configure(patch: Partial<FakeGatewayOptions>): void;
  close(): Promise<void>;
}

const HTML = Buffer.from('<!doctype html><p>not an image</p>');
const MAX_REFS: Record<GatewayDialect, number> = { seed: 10, openai: 16 };

export async function startFakeGateway(options: Partial<FakeGatewayOptions> = {}): Promise<FakeGateway> {
  const opts: FakeGatewayOptions = {
    apiKey: 'sk-gateway-test-123',
    dialect: 'seed',
    retryAfter: 2,
    rateLimitNext: 0,
    failNext: 0,
    delayMs: 0,
    outOfCredits: false,
    ...options,
  };
  const requests: GatewayRequest[] = [];
  const received: ReceivedCall[] = [];
  const bases = { gateway: '', cdn: '' };
  const record = async (host: GatewayRequest['host'], req: IncomingMessage) => {
    const raw = await readRaw(req);
    const form = (req.headers['content-type'] ?? '').startsWith('multipart/form-data')
      ? await new Response(raw, { headers: { 'content-type': String(req.headers['content-type']) } })
          .formData()
          .catch(() => undefined)
      : undefined;
    let body: Record<string, unknown> | undefined;
    if (form) body = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string'));
    else if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
    }
    const entry = { host, method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
    requests.push(entry);
    return { entry, form };
  };
  // Served as image/png whatever it is, like a misconfigured CDN: the client must look at the bytes.
  const image = (res: ServerResponse, data: Buffer) =>
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': data.length }).end(data);
  const error = (
    res: ServerResponse,
    status: number,
    message: string,
    code: string | null = null,
    type = 'invalid_request_error',
  ) => json(res, status, { error: { message, type, code } });

  /** The references this dialect understands in this call; everything else is ignored. */
  async function understood(path: string, body: Record<string, unknown>, form: FormData | undefined) {
    const refs: ReceivedReference[] = [];
    const add = (v: unknown) => {
      if (typeof v !== 'string' || !v) return;
      refs.push(/^https?:/.test(v) ? { kind: 'url', url: v } : { kind: 'bytes', data: b64(v) });
    };
    if (opts.dialect === 'seed') {
      if (path.endsWith('/generations') && Array.isArray(body.reference_images)) {
        for (const r of body.reference_images as Array<Record<string, unknown>>) {
          if (r?.type === 'url' && typeof r.url === 'string') refs.push({ kind: 'url', url: r.url });
          if (r?.type === 'base64' && typeof r.data === 'string')
            refs.push({ kind: 'bytes', data: b64(r.data) });
        }
      }
      if (path.endsWith('/edits') && body.mode === 'edit') add(body.image);
    } else if (path.endsWith('/edits') && form) {
      for (const v of [...form.getAll('image[]'), ...form.getAll('image')]) {
        if (typeof v === 'string') continue;
        refs.push({ kind: 'bytes', data: Buffer.from(await v.arrayBuffer()), type: v.type });
      }
    }
    return refs;
  }

  /** What this dialect refuses before making anything. */
  function refusal(path: string, body: Record<string, unknown>, refs: ReceivedReference[]) {
    if (typeof body.prompt !== 'string' || !body.prompt) return 'prompt is required';
    if (refs.length > MAX_REFS[opts.dialect]) return `at most ${MAX_REFS[opts.dialect]} images`;
    if (opts.dialect === 'openai' && path.endsWith('/edits') && !refs.length) return 'image is required';
    if (opts.dialect === 'seed' && path.endsWith('/edits') && !refs.length) return 'image is required';
    if (body.size !== undefined) {
      const m = /^(\d+)x(\d+)$/.exec(String(body.size));
      const ok = (n: number) => n % 16 === 0 && n >= 64 && (opts.dialect !== 'seed' || n <= 2048);
      if (!m || !ok(Number(m[1])) || !ok(Number(m[2]))) return `Invalid size ${String(body.size)}`;
    }
    return undefined;
  }

  const gateway = createServer(async (req, res) => {
    const { entry, form } = await record('gateway', req);
    const bearer = req.headers.authorization === `Bearer ${opts.apiKey}`;
    if (!bearer) return error(res, 401, 'Incorrect API key provided', 'invalid_api_key');
    if (entry.path.startsWith('/files/')) return image(res, tinyPng);
    if (entry.method !== 'POST' || !['/v1/images/generations', '/v1/images/edits'].includes(entry.path))
      return error(res, 404, `Invalid URL (${entry.method} ${entry.path})`);
    const body = entry.body ?? {};
    const prompt = String(body.prompt ?? '');
    const has = (k: string) => prompt.includes(`[${k}]`);
    const refs = await understood(entry.path, body, form);
    received.push({ path: entry.path, model: body.model, prompt, size: body.size, references: refs });
    if (opts.failNext > 0) {
      opts.failNext--;
      return error(res, 500, 'upstream error', null, 'server_error');
    }
    if (opts.rateLimitNext > 0 || has('429')) {
      if (opts.rateLimitNext > 0) opts.rateLimitNext--;
      if (opts.retryAfter !== undefined) res.setHeader('retry-after', String(opts.retryAfter));
      return error(res, 429, 'Rate limit reached', 'rate_limit_exceeded', 'requests');
    }
    if (opts.outOfCredits || has('402')) return error(res, 402, 'Insufficient balance');
    if (has('quota')) return error(res, 429, 'You exceeded your current quota', 'insufficient_quota');
    if (has('moderated'))
      return error(res, 400, 'Your request was rejected by the safety system', 'content_policy_violation');
    const refused = refusal(entry.path, body, refs);
    if (refused) return error(res, 400, refused);
    if (has('400')) return error(res, 400, 'Invalid size');
    if (has('403')) return error(res, 403, 'Model not allowed for this key');
    if (has('422')) return error(res, 422, 'prompt: field required');
    if (has('500')) return error(res, 500, 'upstream error', null, 'server_error');
    if (has('empty')) return json(res, 200, { created: now(), data: [] });
    const bytes = has('not-image') ? HTML : tinyPng;
    let item: Record<string, string> =
      body.response_format === 'url'
        ? { url: `${bases.cdn}/img/${Date.now()}.png?sig=abc${has('not-image') ? '&html=1' : ''}` }
        : { b64_json: bytes.toString('base64') };
    if (has('url')) item = { url: `${bases.gateway}/files/${Date.now()}.png` };
    if (has('cdn')) item = { url: `${bases.cdn}/img/${Date.now()}.png?sig=abc` };
    if (has('data-url')) item = { url: `data:image/png;base64,${bytes.toString('base64')}` };
    const answer = () => json(res, 200, { created: now(), data: [item] });
    if (opts.delayMs > 0) setTimeout(answer, opts.delayMs);
    else answer();
  });

  const cdn = createServer(async (req, res) => {
    const { entry } = await record('cdn', req);
    image(res, entry.path.includes('html=1') ? HTML : tinyPng);
  });

  const [gwPort, cdnPort] = await Promise.all([listen(gateway), listen(cdn)]);
  bases.gateway = `http://127.0.0.1:${gwPort}`;
  bases.cdn = `http://127.0.0.1:${cdnPort}`;
  return {
    url: bases.gateway,
    cdnBase: bases.cdn,
    requests,
    received,
    calls: () => requests.filter((r) => r.host === 'gateway' && r.path.includes('/images/')).length,
    configure(patch) {
      Object.assign(opts, patch);
    },
    close: async () => {
      await Promise.all([closeServer(gateway), closeServer(cdn)]);
    },
  };
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function b64(s: string): Buffer {
  return Buffer.from(s.replace(/^data:[^,]*,/, ''), 'base64');
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
