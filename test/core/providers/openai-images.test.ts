import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import { createOpenAIImagesProvider } from '../../../src/core/providers/openai-images.ts';
import { makePng } from '../../fakes/images.ts';
import { type FakeGateway, startFakeGateway } from '../../fakes/openai-images-server.ts';
import { catalog, request } from '../../support/core.ts';

let gw: FakeGateway;
const http = createHttp();
const modelMap = {
  pro: 'flux.2-pro',
  max: 'flux.2-max',
  flex: 'flux.2-flex',
  'klein-4b': 'flux.2-klein-4b',
  'klein-9b': 'flux.2-klein-9b',
};
const provider = (apiKey = 'sk-gateway-test-123') =>
  createOpenAIImagesProvider({
    baseUrl: gw.url,
    apiKey,
    modelMap,
    catalog,
    dispatcher: http.dispatcher,
    logger: silentLogger(),
  });

beforeAll(async () => {
  gw = await startFakeGateway();
});
afterAll(async () => {
  await gw.close();
  await http.close();
});

async function run(prompt: string, over = {}) {
  const p = provider();
  const task = await p.submit({ request: request({ prompt, ...over }), seed: 3 });
  return p.waitForResult(task);
}

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('OpenAI-compatible images gateway', () => {
  it('generates with the mapped model name, size and Bearer auth, from b64_json', async () => {
    const result = await run('a fox', { model: 'max', size: '1536x1024' });
    expect(result.contentType).toBe('image/png');
    expect(result.costMicros).toBeUndefined();
    const last = gw.requests.at(-1);
    expect(last?.path).toBe('/v1/images/generations');
    expect(last?.body).toMatchObject({
      model: 'flux.2-max',
      prompt: 'a fox',
      size: '1536x1024',
      n: 1,
      response_format: 'b64_json',
    });
  });

  it('sends references to /edits, bytes as data URLs', async () => {
    await run('edit', {
      references: [
        { kind: 'url', url: 'https://cdn.example.com/a.png' },
        { kind: 'bytes', data: makePng(4, 4), contentType: 'image/png' },
      ],
    });
    const last = gw.requests.at(-1);
    expect(last?.path).toBe('/v1/images/edits');
    const images = last?.body?.images as Array<{ image_url: string }>;
    expect(images[0]?.image_url).toBe('https://cdn.example.com/a.png');
    expect(images[1]?.image_url).toMatch(/^data:image\/png;base64,iVBOR/);
  });

  it('downloads an image answered as a link', async () => {
    expect((await run('[url] linked')).data.subarray(1, 4).toString()).toBe('PNG');
  });

  it('maps errors: moderation (not charged), 401, 402, 429 with Retry-After, 5xx (may be charged)', async () => {
    expect(await failure(run('[moderated] x'))).toMatchObject({ code: 'REQUEST_MODERATED', charge: 'none' });
    const p = provider('sk-wrong-key-000');
    const auth = await failure(p.submit({ request: request({ prompt: 'x' }), seed: 1 }));
    expect(auth.code).toBe('PROVIDER_AUTH');
    expect(auth.message).not.toContain('sk-wrong-key-000');
    expect(await failure(run('[402] x'))).toMatchObject({ code: 'PROVIDER_OUT_OF_CREDITS' });
    expect(await failure(run('[429] x'))).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfter: 2 });
    expect(await failure(run('[500] x'))).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', charge: 'unknown' });
  });

  it('cannot resume a synchronous call after a restart, and says so', async () => {
    const err = await failure(provider().waitForResult({ taskId: 'gw-1' }));
    expect(err.code).toBe('TASK_NOT_FOUND');
  });
});
