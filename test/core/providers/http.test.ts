import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttp,
  downloadImage,
  downloadImageFromOrigin,
  failedBeforeSending,
  requestJson,
} from '../../../src/core/providers/http.ts';
import { makePng, tinyJpeg, tinyPng } from '../../fakes/images.ts';
import { until } from '../../support/until.ts';
import { closedPort, failure, scriptedAgent } from './helpers.ts';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A loopback server whose routes tests set, recording headers and counting TCP connections. */
async function startServer(routes: Record<string, Route>) {
  const seen: Array<{ path: string; headers: IncomingMessage['headers'] }> = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    seen,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const big = makePng(200, 200, true);
const port = (base: string) => new URL(base).port;
let srv: Awaited<ReturnType<typeof startServer>>;
let other: Awaited<ReturnType<typeof startServer>>;
const http = createHttp({ connectTimeoutMs: 2_000, headersTimeoutMs: 300, bodyTimeoutMs: 2_000 });
const opts = (maxBytes = 1024 * 1024) => ({ dispatcher: http.dispatcher, maxBytes });

beforeAll(async () => {
  other = await startServer({
    '/img.png': (_q, res) => res.writeHead(200, { 'content-length': tinyPng.length }).end(tinyPng),
  });
  srv = await startServer({
    '/json': (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    '/text': (_q, res) => res.writeHead(500).end('<html>upstream broke</html>'),
    '/huge-json': (_q, res) => res.writeHead(200).end(`"${'x'.repeat(64 * 1024)}"`),
    '/hang': () => {},
    '/png': (_q, res) => res.writeHead(200, { 'content-length': big.length }).end(big),
    '/jpeg-chunked': (_q, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.write(tinyJpeg.subarray(0, 5));
      res.end(tinyJpeg.subarray(5));
    },
    // Announces 50 MB and then sends nothing: only a content-length check can refuse it.
    '/announced-huge': (_q, res) => {
      res.writeHead(200, { 'content-length': 50 * 1024 * 1024 });
      res.flushHeaders();
    },
    // No length, and more than the cap: only counting while streaming can refuse it.
    '/endless': (_q, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(big.subarray(0, 1024));
      const t = setInterval(() => res.write(Buffer.alloc(16 * 1024, 1)), 1);
      res.on('close', () => clearInterval(t));
    },
    // An error page as a 200 that never ends: refused on its first bytes.
    '/html-forever': (_q, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write('<!doctype html><html><body>Access denied');
    },
    '/expired': (_q, res) => res.writeHead(403).end('<Error>AuthenticationFailed</Error>'),
    '/to-other': (_q, res) => res.writeHead(302, { location: `${other.base}/img.png` }).end(),
    '/to-public': (_q, res) =>
      res.writeHead(302, { location: `http://cdn.example.com:${port(other.base)}/img.png` }).end(),
    '/to-metadata': (_q, res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${port(other.base)}/img.png` }).end(),
    '/gated': (q, res) => {
      if (q.headers.authorization !== 'Bearer sk-1') return void res.writeHead(401).end();
      res.writeHead(200, { 'content-length': tinyPng.length }).end(tinyPng);
    },
    '/slow-image': (_q, res) => {
      res.writeHead(200, { 'content-length': big.length });
      res.write(big.subarray(0, 100));
    },
  });
});
afterAll(async () => {
  await srv.close();
  await other.close();
  await http.close();
});

describe('requestJson', () => {
  it('parses JSON and hands back non-JSON bodies as text', async () => {
    expect((await requestJson(`${srv.base}/json`, { method: 'GET', headers: {}, ...opts() })).body).toEqual({
      ok: true,
    });
    const text = await requestJson(`${srv.base}/text`, { method: 'GET', headers: {}, ...opts() });
    expect([text.status, text.body]).toEqual([500, '<html>upstream broke</html>']);
  });

  it('reads every body to the end, so one kept-alive connection serves request after request', async () => {
    const before = srv.connections();
    for (let i = 0; i < 6; i++)
      await requestJson(`${srv.base}/${i % 2 ? 'json' : 'text'}`, { method: 'GET', headers: {}, ...opts() });
    expect(srv.connections() - before).toBeLessThanOrEqual(1);
  });

  it('cancels an oversized answer and refuses it as a protocol error', async () => {
    const err = await failure(
      requestJson(`${srv.base}/huge-json`, { method: 'GET', headers: {}, ...opts(), maxBytes: 1024 }),
    );
    expect(err.code).toBe('PROVIDER_PROTOCOL');
  });
});

describe('closing the dispatcher', () => {
  it('cuts a request that still hangs instead of waiting for its own deadline', async () => {
    // A deadline far past the close: without the cut, close would wait for it.
    const own = createHttp({ headersTimeoutMs: 60_000 });
    const hanging = requestJson(`${srv.base}/hang`, {
      method: 'GET',
      headers: {},
      dispatcher: own.dispatcher,
    });
    const outcome = hanging.then(
      () => 'answered',
      () => 'cut',
    );
    await until(() => srv.seen.some((r) => r.path === '/hang'), 5_000, 'the request to arrive');
    await own.close();
    expect(await outcome).toBe('cut');
  });
});

describe('failedBeforeSending', () => {
  it('is true for a refused connection, a DNS failure and a connect timeout', async () => {
    const port = await closedPort();
    const refused = await requestJson(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: {},
      ...opts(),
    }).catch((e: unknown) => e);
    expect(failedBeforeSending(refused)).toBe(true);
    for (const fault of ['timeout', 'dns'] as const) {
      const { agent } = scriptedAgent(() => fault);
      const err = await requestJson(`${srv.base}/json`, {
        method: 'POST',
        headers: {},
        dispatcher: agent,
      }).catch((e: unknown) => e);
      expect(failedBeforeSending(err), fault).toBe(true);
      await agent.close();
    }
  });

  it('is false once the request was sent (a headers timeout may hide a created task)', async () => {
    const err = await requestJson(`${srv.base}/hang`, { method: 'POST', headers: {}, ...opts() }).catch(
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(failedBeforeSending(err)).toBe(false);
  });
});

describe('downloadImage', () => {
  it('downloads an image with a content-length intact, and sends no credentials', async () => {
    const image = await downloadImage(`${srv.base}/png`, opts());
    expect(image.contentType).toBe('image/png');
    expect(image.data.equals(big)).toBe(true);
    const headers = srv.seen.at(-1)?.headers ?? {};
    expect(headers.authorization).toBeUndefined();
    expect(headers['x-key']).toBeUndefined();
    expect(headers.cookie).toBeUndefined();
  });

  it('downloads a chunked image without a content-length', async () => {
    const image = await downloadImage(`${srv.base}/jpeg-chunked`, opts());
    expect([image.contentType, image.data.equals(tinyJpeg)]).toEqual(['image/jpeg', true]);
  });

  it('refuses an image whose content-length is over the cap without reading it', async () => {
    const err = await failure(downloadImage(`${srv.base}/announced-huge`, opts(1024 * 1024)));
    expect([err.code, err.charge]).toEqual(['DOWNLOAD_TOO_LARGE', 'charged']);
  });

  it('counts while streaming when there is no content-length', async () => {
    expect((await failure(downloadImage(`${srv.base}/endless`, opts(256 * 1024)))).code).toBe(
      'DOWNLOAD_TOO_LARGE',
    );
  });

  it('refuses what is not an image by its first bytes, whatever its content-type says', async () => {
    expect((await failure(downloadImage(`${srv.base}/html-forever`, opts()))).code).toBe('NOT_AN_IMAGE');
  });

  it('reports an expired or refused link as a failed download with its status', async () => {
    const err = await failure(downloadImage(`${srv.base}/expired`, opts()));
    expect([err.code, err.status]).toEqual(['DOWNLOAD_FAILED', 403]);
    expect((await failure(downloadImage('ftp://example.com/a.png', opts()))).code).toBe('DOWNLOAD_FAILED');
  });

  it('stops a download in progress when aborted, with the caller’s reason', async () => {
    const c = new AbortController();
    const p = downloadImage(`${srv.base}/slow-image`, { ...opts(), signal: c.signal });
    setTimeout(() => c.abort(new Error('job cancelled')), 20);
    await expect(p).rejects.toThrow('job cancelled');
  });

  it('never follows a public link’s redirect into a private address', async () => {
    // Every name resolves to loopback, so public-looking links reach the test servers over real sockets.
    const lookup = (_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) =>
      o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
    const dispatcher = new Agent({ connect: { lookup } as never });
    try {
      const pub = `http://images.example.com:${port(srv.base)}`;
      const moved = await downloadImage(`${pub}/to-public`, { dispatcher, maxBytes: 1024 * 1024 });
      expect(moved.contentType).toBe('image/png');
      const seen = other.seen.length;
      const err = await failure(downloadImage(`${pub}/to-metadata`, { dispatcher, maxBytes: 1024 * 1024 }));
      expect(err.code).toBe('DOWNLOAD_FAILED');
      expect(err.message).toContain('private address');
      expect(other.seen.length).toBe(seen);
    } finally {
      await dispatcher.close();
    }
  });

  it('follows a redirect, and scopes an origin credential to that origin only', async () => {
    const gated = await downloadImageFromOrigin(`${srv.base}/gated`, {
      ...opts(),
      origin: srv.base,
      authorization: 'Bearer sk-1',
    });
    expect(gated.contentType).toBe('image/png');
    await downloadImageFromOrigin(`${srv.base}/to-other`, {
      ...opts(),
      origin: srv.base,
      authorization: 'Bearer sk-1',
    });
    expect(srv.seen.at(-1)?.headers.authorization).toBe('Bearer sk-1');
    expect(other.seen.at(-1)?.path).toBe('/img.png');
    expect(other.seen.at(-1)?.headers.authorization).toBeUndefined();
  });
});
