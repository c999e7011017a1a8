/** The BFL provider's submit, errors, retries and secrets, end to end against the loopback fake. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BflProviderOptions } from '../../../src/core/providers/bfl.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import type { TaskSpec } from '../../../src/core/providers/types.ts';
import type { Reference } from '../../../src/core/request.ts';
import { type FakeBfl, startFakeBfl } from '../../fakes/bfl-server.ts';
import { makePng } from '../../fakes/images.ts';
import { BFL_KEY, bflProvider, request } from '../../support/core.ts';
import { captureLogs } from '../../support/logs.ts';
import { closedPort, errorText, expectKeyKeptOut, failure, portOf, scriptedAgent } from './helpers.ts';

const KEY = BFL_KEY;
let bfl: FakeBfl;
const http = createHttp({ connectTimeoutMs: 2_000, headersTimeoutMs: 400 });
const logs = captureLogs();
const fast = { baseDelayMs: 5, maxDelayMs: 20 };
const provider = (over: Partial<BflProviderOptions> = {}) =>
  bflProvider(bfl.url, { dispatcher: http.dispatcher, logger: logs.logger }, { retry: fast, ...over });
const spec = (prompt: string, over = {}, user: string | null = 'hashed-user'): TaskSpec => ({
  request: request({ prompt, ...over }),
  seed: 7,
  ...(user ? { user } : {}),
});
/** The JSON body the fake received for a submitted task. */
async function sentBody(over: object, options: Partial<BflProviderOptions> = {}) {
  const task = await provider(options).submit(spec('fields', over));
  return bfl.tasks.get(task.taskId)?.body as Record<string, unknown>;
}

beforeAll(async () => {
  bfl = await startFakeBfl({ generationMs: 30 });
});
afterEach(() => bfl.reset());
afterAll(async () => {
  await bfl.close();
  await http.close();
  // Whatever happened above, the key never reached a log line or an error.
  expect(logs.text().length).toBeGreaterThan(0);
  expectKeyKeptOut(logs, KEY, 10);
});

describe('BFL submit', () => {
  it('posts to /v1/{model path} with x-key and JSON headers, and returns the task with its cost', async () => {
    const before = bfl.requests.length;
    const task = await provider().submit(spec('a fox', { model: 'max' }));
    const post = bfl.requests.slice(before).find((r) => r.host === 'api');
    expect(post).toMatchObject({ method: 'POST', path: '/v1/flux-2-max' });
    expect(post?.headers).toMatchObject({
      'x-key': KEY,
      'content-type': 'application/json',
      accept: 'application/json',
    });
    expect(post?.headers.authorization).toBeUndefined();
    expect(task).toMatchObject({
      taskId: expect.any(String),
      costMicros: 45_000,
      outputMp: 1.05,
      inputMp: 0,
    });
    expect(task.pollingUrl?.startsWith(bfl.pollingBase)).toBe(true);
    expect(task.submittedAt).toBeTypeOf('number');
  });

  it('sends pro/max disable_pup as the opposite of upsample, and no flex fields', async () => {
    const pro = await sentBody({ model: 'pro', upsample: false });
    expect(pro).toMatchObject({
      prompt: 'fields',
      width: 1024,
      height: 1024,
      seed: 7,
      safety_tolerance: 2,
      output_format: 'jpeg',
      disable_pup: true,
      user: 'hashed-user',
    });
    const max = await sentBody({ model: 'max', upsample: true, format: 'png', safety: 4, size: '1536x1024' });
    expect(max).toMatchObject({ disable_pup: false, output_format: 'png', safety_tolerance: 4, width: 1536 });
    for (const body of [pro, max])
      for (const key of ['steps', 'guidance', 'prompt_upsampling']) expect(body).not.toHaveProperty(key);
  });

  it('sends flex its steps, guidance and prompt_upsampling, and no disable_pup', async () => {
    const flex = await sentBody({ model: 'flex', steps: 30, guidance: 3, upsample: false });
    expect(flex).toMatchObject({ steps: 30, guidance: 3, prompt_upsampling: false });
    expect(flex).not.toHaveProperty('disable_pup');
    expect(await sentBody({ model: 'flex' })).toMatchObject({
      steps: 50,
      guidance: 4.5,
      prompt_upsampling: true,
    });
  });

  it('sends klein none of the optional fields', async () => {
    for (const model of ['klein-4b', 'klein-9b']) {
      const body = await sentBody({ model });
      for (const key of ['disable_pup', 'prompt_upsampling', 'steps', 'guidance'])
        expect(body).not.toHaveProperty(key);
    }
  });

  it('sends references as input_image…input_image_8: URLs as given, bytes as raw base64', async () => {
    const png = makePng(8, 8);
    const refs: Reference[] = [
      { kind: 'url', url: 'https://cdn.example.com/a.png?sig=1' },
      { kind: 'bytes', data: png, contentType: 'image/png' },
      ...Array.from(
        { length: 6 },
        (_, i): Reference => ({ kind: 'url', url: `https://cdn.example.com/${i}.png` }),
      ),
    ];
    const body = await sentBody({ model: 'pro', references: refs });
    expect(body.input_image).toBe('https://cdn.example.com/a.png?sig=1');
    expect(body.input_image_2).toBe(png.toString('base64'));
    expect(String(body.input_image_2).startsWith('data:')).toBe(false);
    expect(body.input_image_8).toBe('https://cdn.example.com/5.png');
    expect(body).not.toHaveProperty('input_image_1');
    expect(body).not.toHaveProperty('input_image_9');
  });

  it('sends the user as given, as an HMAC with a salt, or not at all', async () => {
    const salted = (await sentBody({}, { userSalt: 'pepper' })).user;
    expect(salted).toMatch(/^[0-9a-f]{32}$/);
    expect(salted).not.toBe('hashed-user');
    const task = await provider().submit(spec('anonymous', {}, null));
    expect(bfl.tasks.get(task.taskId)?.body).not.toHaveProperty('user');
  });
});

describe('BFL submit errors', () => {
  it('maps 402 to out of credits, charging nothing', async () => {
    const err = await failure(provider().submit(spec('[402] x')));
    expect([err.code, err.charge, err.status]).toEqual(['PROVIDER_OUT_OF_CREDITS', 'none', 402]);
  });

  it('maps a 403 and a wrong key to PROVIDER_AUTH without the key in the error', async () => {
    expect((await failure(provider().submit(spec('[403] x')))).code).toBe('PROVIDER_AUTH');
    const wrongKey = 'bfl_wrong_secret_key_999';
    const err = await failure(provider({ apiKey: wrongKey }).submit(spec('x')));
    expect([err.code, err.status]).toEqual(['PROVIDER_AUTH', 403]);
    expect(errorText(err)).not.toContain(wrongKey);
    expect(logs.text()).not.toContain(wrongKey);
  });

  it('maps 422 with detail as a string, and as an array of {loc, msg, type}', async () => {
    const s = await failure(provider().submit(spec('[422] x')));
    expect([s.code, s.detail, s.charge]).toEqual(['PROVIDER_REJECTED', 'Prompt is too long', 'none']);
    const a = await failure(provider().submit(spec('[422-array] x')));
    expect(a.code).toBe('PROVIDER_REJECTED');
    expect(a.detail).toBe('width: Input should be a multiple of 16; seed: Input should be a valid integer');
  });

  it('waits out 429s as Retry-After says and then submits', async () => {
    bfl.configure({ rateLimitSubmits: 2, retryAfter: 0.05 });
    const before = { ...bfl.counts };
    const task = await provider().submit(spec('busy then free'));
    expect(bfl.tasks.has(task.taskId)).toBe(true);
    expect(bfl.counts.submits - before.submits).toBe(3);
    expect(bfl.counts.rateLimited - before.rateLimited).toBe(2);
    const waits = logs
      .lines()
      .filter((l) => String(l.msg).includes('busy (429)'))
      .slice(-2);
    expect(waits.map((l) => l.waitMs)).toEqual([50, 50]);
  });

  it('caps a long Retry-After, and after its tries gives the 429 to the scheduler', async () => {
    bfl.configure({ maxActive: 0, retryAfter: 30 });
    const before = bfl.counts.submits;
    const p = provider({ retry: { ...fast, rateLimitAttempts: 2, maxRetryAfterMs: 40 } });
    const err = await failure(p.submit(spec('always busy')));
    expect([err.code, err.retryAfter, err.charge]).toEqual(['PROVIDER_RATE_LIMITED', 30, 'none']);
    expect(bfl.counts.submits - before).toBe(2);
    expect(
      logs
        .lines()
        .filter((l) => String(l.msg).includes('busy (429)'))
        .at(-1)?.waitMs,
    ).toBe(40);
  });

  it('never resubmits after a 5xx: the task may exist and be billed', async () => {
    for (const setup of [() => bfl.configure({ failSubmits: 1 }), () => {}]) {
      setup();
      const before = bfl.counts.submits;
      const err = await failure(provider().submit(spec('[500] maybe created')));
      expect([err.code, err.charge, err.status]).toEqual(['PROVIDER_UNAVAILABLE', 'unknown', 500]);
      expect(bfl.counts.submits - before).toBe(1);
    }
  });

  it('never resubmits after the connection broke or timed out once the request was sent', async () => {
    bfl.configure({ resetSubmits: 1 });
    let before = bfl.counts.submits;
    const reset = await failure(provider().submit(spec('reset after sending')));
    expect([reset.code, reset.charge]).toEqual(['PROVIDER_UNAVAILABLE', 'unknown']);
    expect(bfl.counts.submits - before).toBe(1);

    bfl.configure({ slowSubmitMs: 2_000 });
    before = bfl.counts.submits;
    const late = await failure(provider().submit(spec('answer after the headers timeout')));
    expect([late.code, late.charge]).toEqual(['PROVIDER_UNAVAILABLE', 'unknown']);
    expect(bfl.counts.submits - before).toBe(1);
  });

  it('retries a submit whose connection failed before sending, and sends it once', async () => {
    const api = portOf(bfl.url);
    for (const fault of ['refused', 'timeout', 'dns'] as const) {
      const { agent, attempts } = scriptedAgent((port, n) => (port === api && n <= 2 ? fault : undefined));
      const before = bfl.counts.submits;
      const task = await provider({ dispatcher: agent }).submit(spec(`after ${fault}`));
      expect(bfl.tasks.has(task.taskId)).toBe(true);
      expect(attempts(api)).toBe(3);
      expect(bfl.counts.submits - before).toBe(1);
      await agent.close();
    }
  });

  it('gives up on an unreachable API after its tries, charging nothing', async () => {
    const port = await closedPort();
    const { agent, attempts } = scriptedAgent(() => undefined);
    const p = provider({
      baseUrl: `http://127.0.0.1:${port}`,
      dispatcher: agent,
      retry: { ...fast, connectAttempts: 3 },
    });
    const err = await failure(p.submit(spec('x')));
    expect([err.code, err.charge]).toEqual(['PROVIDER_UNAVAILABLE', 'none']);
    expect(attempts(port)).toBe(3);
    await agent.close();
  });

  it('stops retrying when aborted', async () => {
    const { agent } = scriptedAgent(() => 'refused');
    const c = new AbortController();
    const p = provider({ dispatcher: agent, retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    const submitting = p.submit(spec('x'), c.signal);
    setTimeout(() => c.abort(new Error('shutting down')), 20);
    await expect(submitting).rejects.toThrow('shutting down');
    await agent.close();
  });
});

describe('BFL credits', () => {
  it('reads the account credits as micros', async () => {
    expect(await provider().credits?.()).toBe(12_345_000);
    bfl.configure({ credits: 0.5 });
    expect(await provider().credits?.()).toBe(5_000);
  });

  it('maps a refused key, keeping the key out of the error', async () => {
    const err = await failure(provider({ apiKey: 'bfl_other_secret_123' }).credits?.() as Promise<unknown>);
    expect(err.code).toBe('PROVIDER_AUTH');
    expect(errorText(err)).not.toContain('bfl_other_secret_123');
  });
});
