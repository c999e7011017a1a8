/** The OpenAI-compatible gateway provider, end to end against the loopback gateway. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHttp } from '../../../src/core/providers/http.ts';
import type { OpenAIImagesOptions } from '../../../src/core/providers/openai-images.ts';
import { type FakeGateway, startFakeGateway } from '../../fakes/openai-images-server.ts';
import { GATEWAY_KEY, gatewayProvider, request } from '../../support/core.ts';
import { captureLogs } from '../../support/logs.ts';
import { errorText, expectKeyKeptOut, failure, portOf, scriptedAgent } from './helpers.ts';

const KEY = GATEWAY_KEY;
let gw: FakeGateway;
const http = createHttp();
const logs = captureLogs();
const provider = (over: Partial<OpenAIImagesOptions> = {}) =>
  gatewayProvider(
    gw.url,
    { dispatcher: http.dispatcher, logger: logs.logger },
    { retry: { baseDelayMs: 5, maxDelayMs: 20 }, ...over },
  );
const spec = (prompt: string, over = {}) => ({
  request: request({ prompt, ...over }),
  seed: 3,
  user: 'hashed-user',
});
async function run(prompt: string, over = {}, p = provider()) {
  const task = await p.submit(spec(prompt, over));
  return { task, result: await p.waitForResult(task) };
}

beforeAll(async () => {
  gw = await startFakeGateway({ apiKey: KEY });
});
afterEach(() => gw.configure({ rateLimitNext: 0, failNext: 0, retryAfter: 2, delayMs: 0 }));
afterAll(async () => {
  await gw.close();
  await http.close();
  expectKeyKeptOut(logs, KEY, 5);
});

describe('OpenAI-compatible images gateway', () => {
  it('generates with the mapped model, size and Bearer auth, as the seed guide does, and downloads the url', async () => {
    const { task, result } = await run('a fox', { model: 'max', size: '1536x1024' });
    expect(task.taskId).toMatch(/^gw-/);
    expect(task.immediate?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/img\//);
    expect(task.pollingUrl).toBeUndefined();
    expect(result.contentType).toBe('image/png');
    expect(result.costMicros).toBeUndefined();
    const last = gw.requests.filter((r) => r.host === 'gateway').at(-1);
    expect(last?.path).toBe('/v1/images/generations');
    expect(last?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(last?.body).toEqual({
      model: 'flux.2-max',
      prompt: 'a fox',
      size: '1536x1024',
      response_format: 'url',
    });
  });

  it('downloads a link on the gateway with its key, and a link elsewhere without it', async () => {
    expect((await run('[url] on the gateway')).result.contentType).toBe('image/png');
    const file = gw.requests.filter((r) => r.path.startsWith('/files/')).at(-1);
    expect(file?.headers.authorization).toBe(`Bearer ${KEY}`);
    const before = gw.requests.length;
    expect((await run('[cdn] elsewhere')).result.contentType).toBe('image/png');
    const cdn = gw.requests.slice(before).filter((r) => r.host === 'cdn');
    expect(cdn).toHaveLength(1);
    expect(cdn[0]?.headers.authorization).toBeUndefined();
    expect(portOf(gw.cdnBase)).not.toBe(portOf(gw.url));
  });

  it('says the task is done before it fetches the image: the gateway is finished with it', async () => {
    const p = provider();
    const task = await p.submit(spec('[cdn] elsewhere'));
    const before = gw.requests.length;
    const ready: Array<{ generationMs?: number; requestsThen: number }> = [];
    await p.waitForResult(task, {
      onReady: (info) => ready.push({ ...info, requestsThen: gw.requests.length }),
    });
    expect(ready).toEqual([{ generationMs: expect.any(Number), requestsThen: before }]);
    expect(gw.requests.slice(before).map((r) => r.host)).toEqual(['cdn']);
  });

  it('decodes an image answered as a data: URL', async () => {
    expect((await run('[data-url] inline')).result.contentType).toBe('image/png');
  });

  it('refuses an answer that is not an image, has no image, or is over the cap', async () => {
    expect((await failure(run('[not-image] x'))).code).toBe('NOT_AN_IMAGE');
    expect(await failure(run('[empty] x'))).toMatchObject({ code: 'PROVIDER_PROTOCOL', charge: 'unknown' });
    const capped = provider({ maxDownloadBytes: 16 });
    expect((await failure(run('big', {}, capped))).code).toBe('DOWNLOAD_TOO_LARGE');
  });

  it('maps refusals to typed errors that charge nothing, with the gateway’s message', async () => {
    expect(await failure(run('[moderated] x'))).toMatchObject({ code: 'REQUEST_MODERATED', charge: 'none' });
    expect(await failure(run('[400] x'))).toMatchObject({
      code: 'PROVIDER_REJECTED',
      detail: 'Invalid size',
    });
    expect(await failure(run('[402] x'))).toMatchObject({ code: 'PROVIDER_OUT_OF_CREDITS', charge: 'none' });
    expect(await failure(run('[403] x'))).toMatchObject({ code: 'PROVIDER_AUTH', status: 403 });
    expect(await failure(run('[422] x'))).toMatchObject({
      code: 'PROVIDER_REJECTED',
      detail: 'prompt: field required',
    });
  });

  it('maps a wrong key to PROVIDER_AUTH without the key anywhere', async () => {
    const wrong = 'sk-wrong-secret-000';
    const err = await failure(provider({ apiKey: wrong }).submit(spec('x')));
    expect([err.code, err.status]).toEqual(['PROVIDER_AUTH', 401]);
    expect(errorText(err)).not.toContain(wrong);
    expect(logs.text()).not.toContain(wrong);
  });

  it('waits out a 429 as Retry-After says, then succeeds', async () => {
    gw.configure({ rateLimitNext: 1, retryAfter: 0.05 });
    const before = gw.calls();
    expect((await run('busy once')).result.contentType).toBe('image/png');
    expect(gw.calls() - before).toBe(2);
  });

  it('gives a lasting 429 to the scheduler with its Retry-After, but never retries an empty quota', async () => {
    let before = gw.calls();
    const limited = await failure(
      run('[429] x', {}, provider({ retry: { rateLimitAttempts: 2, maxRetryAfterMs: 10 } })),
    );
    expect([limited.code, limited.retryAfter, limited.charge]).toEqual(['PROVIDER_RATE_LIMITED', 2, 'none']);
    expect(gw.calls() - before).toBe(2);
    before = gw.calls();
    expect(await failure(run('[quota] x'))).toMatchObject({
      code: 'PROVIDER_OUT_OF_CREDITS',
      charge: 'none',
    });
    expect(gw.calls() - before).toBe(1);
  });

  it('never resends after a 5xx: the image may have been made and billed', async () => {
    const before = gw.calls();
    expect(await failure(run('[500] x'))).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', charge: 'unknown' });
    expect(gw.calls() - before).toBe(1);
  });

  it('gives up on a gateway that does not answer in time, without resending (maybe billed)', async () => {
    gw.configure({ delayMs: 2_000 });
    const before = gw.calls();
    const err = await failure(run('slow', {}, provider({ timeoutMs: 100 })));
    expect([err.code, err.charge]).toEqual(['PROVIDER_UNAVAILABLE', 'unknown']);
    expect(gw.calls() - before).toBe(1);
  });

  it('resends a call whose connection failed before sending', async () => {
    const port = portOf(gw.url);
    const { agent, attempts } = scriptedAgent((p, n) => (p === port && n === 1 ? 'refused' : undefined));
    const before = gw.calls();
    expect(
      (await run('after a refused connect', {}, provider({ dispatcher: agent }))).result.data.length,
    ).toBeGreaterThan(0);
    expect(attempts(port)).toBeGreaterThanOrEqual(2);
    expect(gw.calls() - before).toBe(1);
    await agent.close();
  });

  it('cannot resume a synchronous call after a restart, and says so', async () => {
    const err = await failure(provider().waitForResult({ taskId: 'gw-1' }));
    expect([err.code, err.charge]).toEqual(['TASK_NOT_FOUND', 'unknown']);
  });
});
