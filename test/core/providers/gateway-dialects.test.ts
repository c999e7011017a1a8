/**
 * The gateway as its readers configure it, in each dialect, against a loopback gateway of that dialect
 * that ignores fields it does not know: every reference must arrive in the shape the dialect reads.
 */
import { Agent, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.ts';
import { narrowCatalog } from '../../../src/core/models.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import type { GatewayDialect } from '../../../src/core/providers/openai-wire.ts';
import type { Resolve } from '../../../src/core/providers/public-links.ts';
import { type Reference, validateRequest } from '../../../src/core/request.ts';
import { makePng, tinyPng } from '../../fakes/images.ts';
import { type FakeGateway, startFakeGateway } from '../../fakes/openai-images-server.ts';
import { catalog, gatewayProvider, request } from '../../support/core.ts';
import { captureLogs } from '../../support/logs.ts';
import { failure } from './helpers.ts';

const KEY = 'sk-gateway-dialect-456';
const http = createHttp();
const logs = captureLogs();
const gateways = {} as Record<GatewayDialect, FakeGateway>;
const provider = (dialect: GatewayDialect, baseUrl = `${gateways[dialect].url}/v1`) =>
  gatewayProvider(baseUrl, { dispatcher: http.dispatcher, logger: logs.logger }, { apiKey: KEY, dialect });
async function run(dialect: GatewayDialect, input: Parameters<typeof request>[0], baseUrl?: string) {
  const p = provider(dialect, baseUrl);
  const task = await p.submit({ request: request(input), seed: 1, user: 'hashed-user' });
  return p.waitForResult(task);
}

beforeAll(async () => {
  gateways.seed = await startFakeGateway({ apiKey: KEY, dialect: 'seed' });
  gateways.openai = await startFakeGateway({ apiKey: KEY, dialect: 'openai' });
});
afterAll(async () => {
  await Promise.all([gateways.seed.close(), gateways.openai.close(), http.close()]);
  expect(logs.text()).not.toContain(KEY);
});

describe('the seed article’s gateway (the default dialect)', () => {
  it('receives every reference, links and bytes, as reference_images on /images/generations', async () => {
    const gw = gateways.seed;
    const png = makePng(8, 8);
    const refs: Reference[] = [
      { kind: 'url', url: 'https://cdn.example.com/a.png' },
      { kind: 'bytes', data: png, contentType: 'image/png' },
      { kind: 'url', url: 'https://cdn.example.com/b.jpg' },
    ];
    const result = await run('seed', { prompt: 'same character', model: 'max', references: refs });
    expect(result.contentType).toBe('image/png');
    const call = gw.received.at(-1);
    expect(call?.path).toBe('/v1/images/generations');
    expect(call?.model).toBe('flux.2-max');
    expect(call?.references).toEqual([
      { kind: 'url', url: 'https://cdn.example.com/a.png' },
      { kind: 'bytes', data: png },
      { kind: 'url', url: 'https://cdn.example.com/b.jpg' },
    ]);
    expect(gw.requests.at(-2)?.body?.response_format).toBe('url');
  });

  it('takes the base URL with /v1, without it, and with a trailing slash', async () => {
    const gw = gateways.seed;
    for (const base of [`${gw.url}/v1`, gw.url, `${gw.url}/v1/`, `${gw.url}/`]) {
      const before = gw.received.length;
      await run('seed', { prompt: `base ${base}` }, base);
      expect(gw.received.slice(before).map((c) => c.path)).toEqual(['/v1/images/generations']);
    }
    expect(gw.requests.filter((r) => r.path.includes('/v1/v1/'))).toEqual([]);
  });

  it('refuses a side over 2048 and more references than the model reads, before anything is sent', async () => {
    const gw = gateways.seed;
    const narrowed = narrowCatalog(catalog, provider('seed').limits);
    const before = gw.calls();
    // BFL itself takes 4096x1024 (4 MP); the seed's gateway does not.
    expect(validateRequest({ prompt: 'wide', size: '4096x1024' }, catalog).width).toBe(4096);
    const wide = (() => {
      try {
        validateRequest({ prompt: 'wide', size: '4096x1024' }, narrowed);
      } catch (err) {
        return err;
      }
    })();
    expect(wide).toBeInstanceOf(ValidationError);
    expect(wide).toMatchObject({ option: 'size', got: '4096x1024' });
    expect((wide as ValidationError).allowed).toContain('at most 2048');
    expect(validateRequest({ prompt: 'square', size: '2048x2048' }, narrowed).width).toBe(2048);
    const nine = Array.from(
      { length: 9 },
      (_, i): Reference => ({ kind: 'url', url: `https://x.test/${i}.png` }),
    );
    expect(() => validateRequest({ prompt: 'refs', references: nine }, narrowed)).toThrow(/at most 8/);
    expect(gw.calls()).toBe(before);
  });
});

describe('OpenAI’s own images API (OPENAI_IMAGES_DIALECT=openai)', () => {
  it('generates without references as JSON with b64_json', async () => {
    const gw = gateways.openai;
    await run('openai', { prompt: 'a fox', size: '1536x1024' });
    expect(gw.requests.at(-1)?.path).toBe('/v1/images/generations');
    expect(gw.requests.at(-1)?.body).toEqual({
      model: 'flux.2-pro',
      prompt: 'a fox',
      size: '1536x1024',
      n: 1,
      response_format: 'b64_json',
      user: 'hashed-user',
    });
  });

  it('receives every reference as an image[] file on multipart /images/edits, links fetched without the key', async () => {
    const gw = gateways.openai;
    const png = makePng(8, 8);
    const linked = `${gw.cdnBase}/ref/one.png`;
    const before = gw.requests.length;
    const result = await run('openai', {
      prompt: 'combine',
      references: [
        { kind: 'bytes', data: png, contentType: 'image/png', name: 'mine.png' },
        { kind: 'url', url: linked },
      ],
    });
    expect(result.contentType).toBe('image/png');
    const call = gw.received.at(-1);
    expect(call?.path).toBe('/v1/images/edits');
    expect(call?.prompt).toBe('combine');
    expect(call?.size).toBe('1024x1024');
    expect(call?.references).toEqual([
      { kind: 'bytes', data: png, type: 'image/png' },
      { kind: 'bytes', data: tinyPng, type: 'image/png' },
    ]);
    const fetched = gw.requests.slice(before).filter((r) => r.host === 'cdn');
    expect(fetched.map((r) => r.path)).toEqual(['/ref/one.png']);
    expect(fetched[0]?.headers.authorization).toBeUndefined();
  });

  it('says a linked reference could not be fetched, and sends nothing', async () => {
    const gw = gateways.openai;
    const before = gw.calls();
    const err = await failure(
      run('openai', { prompt: 'x', references: [{ kind: 'url', url: 'http://127.0.0.1:1/gone.png' }] }),
    );
    expect([err.code, err.charge]).toEqual(['REFERENCE_INVALID', 'none']);
    expect(gw.calls()).toBe(before);
  });

  it('never fetches a linked reference whose name resolves inside a network (checked at connect)', async () => {
    const gw = gateways.openai;
    const cdn = new URL(gw.cdnBase);
    // A public-looking name that a hostile DNS answers with the loopback address of the fake CDN.
    const resolve: Resolve = (hostname, _options, callback) =>
      hostname === 'pics.example.net'
        ? callback(null, [{ address: cdn.hostname, family: 4 }])
        : callback(Object.assign(new Error('no such name'), { code: 'ENOTFOUND' }), []);
    const linked = `http://pics.example.net:${cdn.port}/ref/one.png`;
    const withLinks = async (links: Dispatcher) => {
      const p = gatewayProvider(
        `${gw.url}/v1`,
        { dispatcher: http.dispatcher, logger: logs.logger },
        { apiKey: KEY, dialect: 'openai', links },
      );
      const before = gw.requests.filter((r) => r.host === 'cdn').length;
      const task = p.submit({
        request: request({ prompt: 'x', references: [{ kind: 'url', url: linked }] }),
        seed: 1,
        user: 'hashed-user',
      });
      const outcome = await task.then(
        (t) => p.waitForResult(t).then(() => 'fetched'),
        (err: { code?: string; charge?: string }) => `${err.code} ${err.charge}`,
      );
      return { outcome, cdnRequests: gw.requests.filter((r) => r.host === 'cdn').length - before };
    };
    // The same resolver without the guard reaches the fake: the refusal below is the guard's.
    const open = new Agent({
      connect: {
        lookup: (h, o, cb) =>
          resolve(h, { ...o, all: true }, (e, a) => (o.all ? cb(e, a) : cb(e, a[0]?.address ?? '', 4))),
      },
    });
    const guarded = createHttp({ resolve });
    try {
      expect(await withLinks(open)).toEqual({ outcome: 'fetched', cdnRequests: 1 });
      expect(await withLinks(guarded.links)).toEqual({ outcome: 'REFERENCE_INVALID none', cdnRequests: 0 });
    } finally {
      await Promise.all([open.destroy(), guarded.close()]);
    }
  });

  it('allows up to 16 references but never more than the model reads, and no side limit of its own', () => {
    const narrowed = narrowCatalog(catalog, provider('openai').limits);
    expect(narrowed.pro.maxReferences).toBe(8);
    expect(narrowed['klein-4b'].maxReferences).toBe(4);
    expect(validateRequest({ prompt: 'wide', size: '4096x1024' }, narrowed).width).toBe(4096);
  });
});
