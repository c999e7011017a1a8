import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/core/errors.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { createBflProvider } from '../../../src/core/providers/bfl.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import type { TaskSpec } from '../../../src/core/providers/types.ts';
import { type FakeBfl, startFakeBfl } from '../../fakes/bfl-server.ts';
import { makePng } from '../../fakes/images.ts';
import { catalog, request } from '../../support/core.ts';

const KEY = 'bfl_test_key_0123456789';
let bfl: FakeBfl;
const http = createHttp({ connectTimeoutMs: 2_000 });
let logText = '';
const logger = createLogger({
  level: 'trace',
  destination: new Writable({
    write(chunk, _enc, cb) {
      logText += chunk.toString();
      cb();
    },
  }),
});
const provider = () =>
  createBflProvider({
    apiKey: KEY,
    baseUrl: bfl.url,
    catalog,
    dispatcher: http.dispatcher,
    logger,
    timeoutMs: 5_000,
    maxDownloadBytes: 1024 * 1024,
  });
const spec = (prompt: string, over = {}): TaskSpec => ({
  request: request({ prompt, ...over }),
  seed: 7,
  user: 'hashed-user',
});

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

beforeAll(async () => {
  bfl = await startFakeBfl({ generationMs: 40, bigImage: makePng(1024, 1024, true) });
});
afterEach(() =>
  bfl.configure({ failSubmits: 0, failPolls: 0, outOfCredits: false, maxActive: 24, retryAfter: undefined }),
);
afterAll(async () => {
  await bfl.close();
  await http.close();
});

describe('BFL provider against the fake', () => {
  it('submits with x-key, polls the returned polling_url on its own host, downloads without the key', async () => {
    const p = provider();
    const before = bfl.requests.length;
    const task = await p.submit(spec('a fox'));
    expect(task.pollingUrl?.startsWith(bfl.pollingBase)).toBe(true);
    expect(task.costMicros).toBe(45_000);
    const progress: string[] = [];
    const result = await p.waitForResult(task, {
      expectedMs: 40,
      onProgress: (u) => progress.push(u.status),
    });
    expect(result.contentType).toBe('image/jpeg');
    expect(result.costMicros).toBe(45_000);
    const seen = bfl.requests.slice(before);
    expect(seen.filter((r) => r.host === 'api').every((r) => r.headers['x-key'] === KEY)).toBe(true);
    expect(seen.filter((r) => r.host === 'poll').length).toBeGreaterThan(0);
    const downloads = seen.filter((r) => r.host === 'delivery');
    expect(downloads).toHaveLength(1);
    expect(downloads[0]?.headers['x-key']).toBeUndefined();
    expect(downloads[0]?.headers.authorization).toBeUndefined();
  });

  it('sends only the fields each model family accepts', async () => {
    const p = provider();
    const bodyOf = async (over: object) => {
      const t = await p.submit(spec('fields', over));
      return bfl.tasks.get(t.taskId)?.body as Record<string, unknown>;
    };
    const pro = await bodyOf({ model: 'pro', upsample: false });
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
    expect(pro).not.toHaveProperty('steps');
    const flex = await bodyOf({ model: 'flex', steps: 30, guidance: 3 });
    expect(flex).toMatchObject({ steps: 30, guidance: 3, prompt_upsampling: true });
    expect(flex).not.toHaveProperty('disable_pup');
    const klein = await bodyOf({ model: 'klein-4b' });
    for (const key of ['disable_pup', 'prompt_upsampling', 'steps', 'guidance'])
      expect(klein).not.toHaveProperty(key);
    const refs = await bodyOf({
      references: [
        { kind: 'url', url: 'https://cdn.example.com/a.png' },
        { kind: 'bytes', data: makePng(8, 8), contentType: 'image/png' },
      ],
    });
    expect(refs.input_image).toBe('https://cdn.example.com/a.png');
    expect(String(refs.input_image_2)).toMatch(/^iVBOR/);
  });

  it('maps 402, 403, 422 (both detail shapes) to typed errors that charge nothing', async () => {
    const p = provider();
    expect((await failure(p.submit(spec('[402] x')))).code).toBe('PROVIDER_OUT_OF_CREDITS');
    expect((await failure(p.submit(spec('[403] x')))).code).toBe('PROVIDER_AUTH');
    const s = await failure(p.submit(spec('[422] x')));
    expect([s.code, s.detail, s.charge]).toEqual(['PROVIDER_REJECTED', 'Prompt is too long', 'none']);
    const a = await failure(p.submit(spec('[422-array] x')));
    expect(a.detail).toBe('width: Input should be a multiple of 16');
  });

  it('answers a wrong key with PROVIDER_AUTH and never puts the key in errors or logs', async () => {
    const bad = createBflProvider({
      apiKey: 'bfl_wrong_secret_key_999',
      baseUrl: bfl.url,
      catalog,
      dispatcher: http.dispatcher,
      logger,
    });
    const err = await failure(bad.submit(spec('x')));
    expect(err.code).toBe('PROVIDER_AUTH');
    expect(JSON.stringify({ m: err.message, d: err.detail })).not.toContain('bfl_wrong_secret_key_999');
    expect(logText).not.toContain('bfl_wrong_secret_key_999');
    expect(logText).not.toContain(KEY);
  });

  it('gives 429 back as PROVIDER_RATE_LIMITED with Retry-After, without retrying on its own', async () => {
    bfl.configure({ maxActive: 0, retryAfter: 3 });
    const before = bfl.counts.submits;
    const err = await failure(provider().submit(spec('busy')));
    expect([err.code, err.retryAfter, err.charge]).toEqual(['PROVIDER_RATE_LIMITED', 3, 'none']);
    expect(bfl.counts.submits - before).toBe(1);
  });

  it('does not resubmit after a 5xx: the task may exist and be billed', async () => {
    const before = bfl.counts.submits;
    const err = await failure(provider().submit(spec('[500] maybe created')));
    expect([err.code, err.charge]).toEqual(['PROVIDER_UNAVAILABLE', 'unknown']);
    expect(bfl.counts.submits - before).toBe(1);
  });

  it('retries a submit whose connection was refused before sending', async () => {
    const dead = createBflProvider({
      apiKey: KEY,
      baseUrl: 'http://127.0.0.1:9',
      catalog,
      dispatcher: http.dispatcher,
      logger,
      connectAttempts: 2,
    });
    const err = await failure(dead.submit(spec('x')));
    expect([err.code, err.charge]).toEqual(['PROVIDER_UNAVAILABLE', 'none']);
  });

  it('retries polls that fail with 5xx (GETs are safe)', async () => {
    const p = provider();
    const task = await p.submit(spec('poll errors'));
    bfl.configure({ failPolls: 2 });
    const result = await p.waitForResult(task, { expectedMs: 40 });
    expect(result.data.length).toBeGreaterThan(0);
  });

  it('reports both moderations as not charged, and Error as a failure', async () => {
    const p = provider();
    const req = await failure(
      p.submit(spec('[request-moderated] x')).then((t) => p.waitForResult(t, { expectedMs: 10 })),
    );
    expect([req.code, req.charge]).toEqual(['REQUEST_MODERATED', 'none']);
    const out = await failure(
      p.submit(spec('[content-moderated] x')).then((t) => p.waitForResult(t, { expectedMs: 10 })),
    );
    expect([out.code, out.charge]).toEqual(['CONTENT_MODERATED', 'none']);
    expect(out.detail).toContain('NSFW');
    const e = await failure(p.submit(spec('[error] x')).then((t) => p.waitForResult(t, { expectedMs: 10 })));
    expect(e.code).toBe('TASK_FAILED');
  });

  it('retries "Task not found" a few times, then gives up', async () => {
    const p = provider();
    const task = await p.submit(spec('[not-found] x'));
    const polls = bfl.counts.polls;
    const err = await failure(p.waitForResult(task, { expectedMs: 10 }));
    expect(err.code).toBe('TASK_NOT_FOUND');
    expect(bfl.counts.polls - polls).toBe(6);
  });

  it('refuses an expired sample link and an oversized image', async () => {
    const p = provider();
    bfl.configure({ sampleTtlMs: -1 });
    const expired = await failure(p.submit(spec('late')).then((t) => p.waitForResult(t, { expectedMs: 10 })));
    expect(expired.code).toBe('DOWNLOAD_FAILED');
    bfl.configure({ sampleTtlMs: 600_000 });
    const big = await failure(
      p.submit(spec('[big] x', { format: 'png' })).then((t) => p.waitForResult(t, { expectedMs: 10 })),
    );
    expect(big.code).toBe('DOWNLOAD_TOO_LARGE');
  });

  it('stops waiting at once when aborted, and polls at once when woken', async () => {
    const p = provider();
    const task = await p.submit(spec('slow'));
    const controller = new AbortController();
    const waiting = p.waitForResult(task, { expectedMs: 60_000, signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');

    let wake: (() => void) | undefined;
    const task2 = await p.submit(spec('woken'));
    await new Promise((r) => setTimeout(r, 60));
    const polls = bfl.tasks.get(task2.taskId)?.polls ?? 0;
    const woken = p.waitForResult(task2, { expectedMs: 60_000, onWake: (w) => (wake = w) });
    wake?.();
    await woken;
    expect((bfl.tasks.get(task2.taskId)?.polls ?? 0) - polls).toBe(1);
  });

  it('reads the account credits', async () => {
    expect(await provider().credits?.()).toBe(12_345_000);
  });
});
