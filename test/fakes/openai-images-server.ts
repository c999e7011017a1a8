/**
 * A loopback OpenAI-compatible images gateway: `/v1/images/generations` and `/v1/images/edits` with
 * Bearer auth, answering `b64_json` (default) or a `url` on its own host. Prompt keywords:
 * [moderated] (400 content_policy_violation), [402], [429], [500], [url] (answer with a link).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tinyPng } from './images.ts';

export interface FakeGateway {
  url: string;
  requests: Array<{
    path: string;
    headers: Record<string, string | string[] | undefined>;
    body: Record<string, unknown> | undefined;
  }>;
  close(): Promise<void>;
}

export async function startFakeGateway(apiKey = 'sk-gateway-test-123'): Promise<FakeGateway> {
  const requests: FakeGateway['requests'] = [];
  let base = '';
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    requests.push({ path: req.url ?? '', headers: req.headers, body });
    const send = (status: number, payload: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    if (req.url?.startsWith('/files/')) {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': tinyPng.length }).end(tinyPng);
      return;
    }
    if (req.headers.authorization !== `Bearer ${apiKey}`)
      return send(401, { error: { message: 'Invalid API key', type: 'invalid_request_error' } });
    if (req.url !== '/v1/images/generations' && req.url !== '/v1/images/edits')
      return send(404, { error: { message: 'not found' } });
    const prompt = String(body?.prompt ?? '');
    if (prompt.includes('[moderated]'))
      return send(400, {
        error: {
          message: 'Your request was rejected by the safety system',
          code: 'content_policy_violation',
        },
      });
    if (prompt.includes('[402]')) return send(402, { error: { message: 'Insufficient balance' } });
    if (prompt.includes('[429]')) {
      res.setHeader('retry-after', '2');
      return send(429, { error: { message: 'Rate limited' } });
    }
    if (prompt.includes('[500]')) return send(500, { error: { message: 'upstream error' } });
    const item = prompt.includes('[url]')
      ? { url: `${base}/files/${Date.now()}.png` }
      : { b64_json: tinyPng.toString('base64') };
    send(200, { created: Math.floor(Date.now() / 1000), data: [item] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
