import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import { createHttp } from '../../src/core/providers/http.ts';
import { probeReference } from '../../src/core/reference-probe.ts';
import { ReferenceUrlError } from '../../src/core/reference-url.ts';
import { makePng } from '../fakes/images.ts';

let server: Server;
let port: number;
const seen: Array<{ path: string; auth: string | undefined }> = [];
// Every name resolves to loopback, so public-looking links reach the test server over real sockets.
const lookup = (_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) =>
  o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
const dispatcher = new Agent({ connect: { lookup } as never });
const big = makePng(400, 400, true);

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    seen.push({ path: req.url ?? '', auth: req.headers.authorization });
    if (req.url === '/img.png') res.writeHead(200, { 'content-length': big.length }).end(big);
    else if (req.url === '/page')
      res.writeHead(200, { 'content-type': 'image/png' }).end('<html>Sign in</html>');
    else if (req.url === '/moved')
      res.writeHead(302, { location: `http://cdn.example.com:${port}/img.png` }).end();
    else if (req.url === '/to-loopback')
      res.writeHead(302, { location: `http://127.0.0.1:${port}/img.png` }).end();
    else res.writeHead(404).end('This content is no longer available.');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await dispatcher.close();
  await new Promise((r) => server.close(r));
});

const probe = (path: string) =>
  probeReference(new URL(`http://images.example.com:${port}${path}`), {
    dispatcher,
    links: dispatcher,
    option: 'reference 1',
    allowed: 'an image that is still posted',
  });
const refusal = (p: Promise<void>) =>
  p.then(
    () => expect.unreachable('the probe should have refused'),
    (e: unknown) => e as ValidationError,
  );

describe('checking that a reference still answers', () => {
  it('accepts an image, also behind a public redirect, and sends no credential', async () => {
    await probe('/img.png');
    await probe('/moved');
    expect(seen.every((r) => r.auth === undefined)).toBe(true);
  });

  it('refuses a link that is gone, or a page instead of an image, naming what it got', async () => {
    const gone = await refusal(probe('/deleted.png'));
    expect(gone).toBeInstanceOf(ValidationError);
    expect(gone).toMatchObject({ code: 'REFERENCE_INVALID', option: 'reference 1', got: 'HTTP 404' });
    expect(gone.allowed).toBe('an image that is still posted');
    expect((await refusal(probe('/page'))).got).toBe('not an image');
  });

  it('refuses a redirect into a private address without following it', async () => {
    const before = seen.length;
    const err = await refusal(probe('/to-loopback'));
    expect(err).toBeInstanceOf(ReferenceUrlError);
    expect((err as ReferenceUrlError).problem).toBe('private-address');
    expect(seen.slice(before).map((r) => r.path)).toEqual(['/to-loopback']);
  });

  it('follows a trusted host off-site only through the links dispatcher, which refuses names pointing inward', async () => {
    // The same loopback answers for every name: with the guard, cdn.example.com "is" a private address.
    const http = createHttp({ resolve: (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]) });
    try {
      const before = seen.length;
      const err = await refusal(
        probeReference(new URL(`http://images.example.com:${port}/moved`), {
          dispatcher,
          links: http.links,
          trustedHosts: new Set([`images.example.com:${port}`]),
          option: 'reference 1',
          allowed: 'an image that is still posted',
        }),
      );
      expect(err).toMatchObject({ code: 'REFERENCE_INVALID', got: 'a link that did not answer' });
      // The trusted host answered its redirect; the host it led to was never asked.
      expect(seen.slice(before).map((r) => r.path)).toEqual(['/moved']);
    } finally {
      await http.close();
    }
  });
});
