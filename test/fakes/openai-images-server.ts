/**
 * A loopback OpenAI-compatible images gateway: POST /v1/images/generations and /v1/images/edits (JSON,
 * `images: [{ image_url }]`) behind `Authorization: Bearer`, answering `{ created, data: [...] }` with
 * `b64_json` (default) or a `url`. Links point at the gateway itself (`/files/…`, which also wants the
 * Bearer) or at a second "CDN" listener (`cdnBase`) that records headers so tests can assert no key
 * reaches it. Errors use OpenAI's shape: { error: { message, type, code } }.
 *
 * Prompt keywords: [url] (link on the gateway) [cdn] (link on the CDN) [data-url] (url is a data: URL)
 * [not-image] (the image is HTML) [empty] (200 without an image) [moderated] (400
 * content_policy_violation) [400] [402] [403] [422] [429] (Retry-After `retryAfter`) [quota] (429
 * insufficient_quota) [500]. configure(): rateLimitNext / failNext ("the next N calls answer 429 / 500"),
 * delayMs (every image call answers that late).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, json, listen, readBody } from './bfl/net.ts';
import { tinyPng } from './images.ts';

export interface FakeGatewayOptions {
  apiKey: string;
  retryAfter: number | undefined;
  rateLimitNext: number;
  failNext: number;
  /** Image calls answer after this long (a gateway answers only when the image is made). */
  delayMs: number;
}

export interface GatewayRequest {
  host: 'gateway' | 'cdn';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> | undefined;
}

export interface FakeGateway {
  url: string;
  cdnBase: string;
  requests: GatewayRequest[];
  /** Image calls (generations + edits) received. */
  calls(): number;
  configure(patch: Partial<FakeGatewayOptions>): void;
  close(): Promise<void>;
}

const HTML = Buffer.from('<!doctype html><p>not an image</p>');

export async function startFakeGateway(options: Partial<FakeGatewayOptions> = {}): Promise<FakeGateway> {
  const opts: FakeGatewayOptions = {
    apiKey: 'sk-gateway-test-123',
    retryAfter: 2,
    rateLimitNext: 0,
    failNext: 0,
    delayMs: 0,
    ...options,
  };
  const requests: GatewayRequest[] = [];
  const bases = { gateway: '', cdn: '' };
  const record = async (host: GatewayRequest['host'], req: IncomingMessage) => {
    const text = await readBody(req);
    let body: Record<string, unknown> | undefined;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      body = undefined;
    }
    const entry = { host, method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
    requests.push(entry);
    return entry;
  };
  const image = (res: ServerResponse, data: Buffer) =>
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': data.length }).end(data);
  const error = (
    res: ServerResponse,
    status: number,
    message: string,
    code: string | null = null,
    type = 'invalid_request_error',
  ) => json(res, status, { error: { message, type, code } });

  const gateway = createServer(async (req, res) => {
    const entry = await record('gateway', req);
    const bearer = req.headers.authorization === `Bearer ${opts.apiKey}`;
    if (!bearer) return error(res, 401, 'Incorrect API key provided', 'invalid_api_key');
    if (entry.path.startsWith('/files/')) return image(res, tinyPng);
    if (entry.method !== 'POST' || !['/v1/images/generations', '/v1/images/edits'].includes(entry.path))
      return error(res, 404, 'Not found');
    const prompt = String(entry.body?.prompt ?? '');
    const has = (k: string) => prompt.includes(`[${k}]`);
    if (opts.failNext > 0) {
      opts.failNext--;
      return error(res, 500, 'upstream error', null, 'server_error');
    }
    if (opts.rateLimitNext > 0 || has('429')) {
      if (opts.rateLimitNext > 0) opts.rateLimitNext--;
      if (opts.retryAfter !== undefined) res.setHeader('retry-after', String(opts.retryAfter));
      return error(res, 429, 'Rate limit reached', 'rate_limit_exceeded', 'requests');
    }
    if (has('quota')) return error(res, 429, 'You exceeded your current quota', 'insufficient_quota');
    if (has('moderated'))
      return error(res, 400, 'Your request was rejected by the safety system', 'content_policy_violation');
    if (has('400')) return error(res, 400, 'Invalid size');
    if (has('402')) return error(res, 402, 'Insufficient balance');
    if (has('403')) return error(res, 403, 'Model not allowed for this key');
    if (has('422')) return error(res, 422, 'prompt: field required');
    if (has('500')) return error(res, 500, 'upstream error', null, 'server_error');
    if (has('empty')) return json(res, 200, { created: now(), data: [] });
    const bytes = has('not-image') ? HTML : tinyPng;
    let item: Record<string, string> = { b64_json: bytes.toString('base64') };
    if (has('url')) item = { url: `${bases.gateway}/files/${Date.now()}.png` };
    if (has('cdn')) item = { url: `${bases.cdn}/img/${Date.now()}.png?sig=abc` };
    if (has('data-url')) item = { url: `data:image/png;base64,${bytes.toString('base64')}` };
    const answer = () => json(res, 200, { created: now(), data: [item] });
    if (opts.delayMs > 0) setTimeout(answer, opts.delayMs);
    else answer();
  });

  const cdn = createServer(async (req, res) => {
    await record('cdn', req);
    image(res, tinyPng);
  });

  const [gwPort, cdnPort] = await Promise.all([listen(gateway), listen(cdn)]);
  bases.gateway = `http://127.0.0.1:${gwPort}`;
  bases.cdn = `http://127.0.0.1:${cdnPort}`;
  return {
    url: bases.gateway,
    cdnBase: bases.cdn,
    requests,
    calls: () => requests.filter((r) => r.host === 'gateway' && r.path.startsWith('/v1/images/')).length,
    configure(patch) {
      Object.assign(opts, patch);
    },
    close: async () => {
      await Promise.all([closeServer(gateway), closeServer(cdn)]);
    },
  };
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
