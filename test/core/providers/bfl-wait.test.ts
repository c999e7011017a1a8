/** Waiting for BFL tasks: polling, statuses, downloads, abort and wake, end to end against the fake. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BflProviderOptions } from '../../../src/core/providers/bfl.ts';
import { trustedPollingUrl } from '../../../src/core/providers/bfl-poll.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import type { ReadyInfo, SubmittedTask, TaskSpec, WaitOptions } from '../../../src/core/providers/types.ts';
import { type FakeBfl, type RecordedRequest, startFakeBfl } from '../../fakes/bfl-server.ts';
import { makePng } from '../../fakes/images.ts';
import { BFL_KEY, bflProvider, request } from '../../support/core.ts';
import { captureLogs } from '../../support/logs.ts';
import { until } from '../../support/until.ts';
import { errorText, expectKeyKeptOut, failure, portOf, scriptedAgent } from './helpers.ts';

const KEY = BFL_KEY;
let bfl: FakeBfl;
const http = createHttp({ connectTimeoutMs: 2_000 });
const logs = captureLogs();
const provider = (over: Partial<BflProviderOptions> = {}) =>
  bflProvider(
    bfl.url,
    { dispatcher: http.dispatcher, logger: logs.logger },
    { maxDownloadBytes: 256 * 1024, wait: { notFoundDelayMs: 5, failureDelayMs: 5 }, ...over },
  );
const spec = (prompt: string, over = {}): TaskSpec => ({ request: request({ prompt, ...over }), seed: 7 });
/** Submits and waits; the fake's tasks take ~30 ms, so that is the expectation. */
async function generate(prompt: string, over = {}, wait: WaitOptions = {}, p = provider()) {
  const task = await p.submit(spec(prompt, over));
  return { task, result: await p.waitForResult(task, { expectedMs: 30, ...wait }) };
}
const sinceNow = () => {
  const mark = bfl.requests.length;
  return () => bfl.requests.slice(mark);
};

beforeAll(async () => {
  bfl = await startFakeBfl({ generationMs: 30, bigImage: makePng(1024, 1024, true) });
});
afterEach(() => bfl.reset());
afterAll(async () => {
  await bfl.close();
  await http.close();
  expectKeyKeptOut(logs, KEY, 5);
});

describe('BFL waitForResult', () => {
  it('polls the polling_url exactly as given on its own host, reports progress, downloads without the key', async () => {
    const seen = sinceNow();
    const progress: Array<{ status: string; progress?: number }> = [];
    const ready: Array<{ info: ReadyInfo; requestsBefore: RecordedRequest[] }> = [];
    // Long enough that the first poll (early in the expected window) surely finds it in progress.
    const { task, result } = await generate(
      '[gen-ms=800] a fox',
      { model: 'max' },
      {
        expectedMs: 800,
        onProgress: (u) => progress.push(u),
        onReady: (info) => ready.push({ info, requestsBefore: seen() }),
      },
    );
    expect(result.contentType).toBe('image/jpeg');
    expect(result.costMicros).toBe(45_000);
    // Told once, when BFL said Ready and before the sample was asked for; with the interval it lies in.
    expect(ready).toHaveLength(1);
    const info = ready[0]?.info as ReadyInfo;
    expect(info.generationMs).toBeGreaterThan(info.generationAfterMs as number);
    expect(ready[0]?.requestsBefore.at(-1)?.host).toBe('poll');
    expect(ready[0]?.requestsBefore.some((r) => r.host === 'delivery')).toBe(false);
    const polls = seen().filter((r) => r.host === 'poll');
    const given = new URL(task.pollingUrl as string);
    expect(portOf(bfl.pollingBase)).not.toBe(portOf(bfl.url));
    expect(polls.length).toBeGreaterThan(0);
    expect(
      polls.every((r) => r.path === `${given.pathname}${given.search}` && r.headers['x-key'] === KEY),
    ).toBe(true);
    expect(
      seen()
        .filter((r) => r.host === 'api')
        .map((r) => r.method),
    ).toEqual(['POST']);
    const downloads = seen().filter((r) => r.host === 'delivery');
    expect(downloads).toHaveLength(1);
    expect(downloads[0]?.headers['x-key']).toBeUndefined();
    expect(downloads[0]?.headers.authorization).toBeUndefined();
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((u) => ['Pending', 'Reasoning', 'Generating'].includes(u.status))).toBe(true);
    expect(progress.some((u) => u.progress !== undefined && u.progress > 0 && u.progress < 1)).toBe(true);
  });

  it('never sends the key to a polling_url off the BFL domain (a tampered stored task)', async () => {
    const p = provider();
    const task = await p.submit(spec('tampered'));
    const before = bfl.counts.polls;
    const elsewhere = { ...task, pollingUrl: task.pollingUrl?.replace('127.0.0.1', 'localhost') };
    expect((await failure(p.waitForResult(elsewhere, { expectedMs: 1 }))).code).toBe('PROVIDER_PROTOCOL');
    expect(bfl.counts.polls).toBe(before);
    const ok = (url: string, base = 'https://api.bfl.ai') => trustedPollingUrl(url, base);
    expect(ok('https://api.eu2.bfl.ai/v1/get_result?id=1')).toBe(true);
    expect(ok('https://api.us1.bfl.ai/v1/get_result?id=1', 'https://api.eu.bfl.ai')).toBe(true);
    expect(ok('https://api.eu2.bfl.ai/v1/get_result?id=1', 'https://bfl-proxy.corp.example')).toBe(true);
    expect(ok('http://api.eu2.bfl.ai/v1/get_result?id=1')).toBe(false);
    expect(ok('https://bfl.ai.evil.example/v1/get_result?id=1')).toBe(false);
    expect(ok('https://evil.example/v1/get_result?id=1')).toBe(false);
  });

  it('takes the settled cost from the final poll, else keeps the cost given at submit', async () => {
    bfl.configure({ settledCostCredits: 3 });
    expect((await generate('settled')).result.costMicros).toBe(30_000);
    expect((await generate('[no-cost] unsettled')).result.costMicros).toBe(45_000);
  });

  it('returns the image type the bytes say: PNG and WebP', async () => {
    expect((await generate('png', { format: 'png' })).result.contentType).toBe('image/png');
    expect((await generate('webp', { format: 'webp' })).result.contentType).toBe('image/webp');
  });

  it('reports both moderations as not charged, with their reasons (and never as ready)', async () => {
    const ready: ReadyInfo[] = [];
    const req = await failure(generate('[request-moderated] x', {}, { onReady: (i) => ready.push(i) }));
    expect([req.code, req.charge]).toEqual(['REQUEST_MODERATED', 'none']);
    expect(req.detail).toContain('Derivative Works Filter');
    const out = await failure(generate('[content-moderated] x'));
    expect([out.code, out.charge]).toEqual(['CONTENT_MODERATED', 'none']);
    expect(out.detail).toContain('NSFW');
    expect(ready).toEqual([]);
  });

  it('reports Error and Failed as a failed task whose charge is unknown', async () => {
    for (const word of ['error', 'failed']) {
      const err = await failure(generate(`[${word}] x`));
      expect([err.code, err.charge]).toEqual(['TASK_FAILED', 'unknown']);
    }
  });

  it('retries "Task not found" (HTTP 404 or in the body) a few times, then gives up', async () => {
    const p = provider({ wait: { notFoundRetries: 3, notFoundDelayMs: 5 } });
    for (const keyword of ['[not-found]', '[not-found-200]']) {
      const before = bfl.counts.notFound;
      const err = await failure(generate(`${keyword} x`, {}, {}, p));
      expect([err.code, err.charge]).toEqual(['TASK_NOT_FOUND', 'unknown']);
      expect(bfl.counts.notFound - before).toBe(4);
    }
  });

  it('carries on when a task not found at first turns up', async () => {
    const before = bfl.counts.notFound;
    const { result } = await generate('[not-found-first=2] late cluster');
    expect(result.data.length).toBeGreaterThan(0);
    expect(bfl.counts.notFound - before).toBe(2);
  });

  it('retries polls answered with 5xx', async () => {
    bfl.configure({ failPolls: 3 });
    const before = bfl.counts.serverErrors;
    expect((await generate('poll errors')).result.data.length).toBeGreaterThan(0);
    expect(bfl.counts.serverErrors - before).toBe(3);
  });

  it('retries polls whose connection failed, and gives up after its tries', async () => {
    const pollPort = portOf(bfl.pollingBase);
    const flaky = scriptedAgent((port, n) => (port === pollPort && n <= 2 ? 'refused' : undefined));
    const { result } = await generate('flaky cluster', {}, {}, provider({ dispatcher: flaky.agent }));
    expect(result.data.length).toBeGreaterThan(0);
    expect(flaky.attempts(pollPort)).toBeGreaterThanOrEqual(3);
    await flaky.agent.close();

    const down = scriptedAgent((port) => (port === pollPort ? 'refused' : undefined));
    const p = provider({ dispatcher: down.agent, wait: { maxPollFailures: 2, failureDelayMs: 5 } });
    const err = await failure(generate('cluster down', {}, {}, p));
    expect([err.code, err.charge]).toEqual(['PROVIDER_UNAVAILABLE', 'unknown']);
    expect(down.attempts(pollPort)).toBe(3);
    await down.agent.close();
  });

  it('times out a task that never finishes, charge unknown', async () => {
    const err = await failure(generate('[gen-ms=60000] forever', {}, {}, provider({ timeoutMs: 150 })));
    expect([err.code, err.charge]).toEqual(['TASK_TIMEOUT', 'unknown']);
  });

  it('polls a task resumed after a restart at once, and does not report its duration as the model’s', async () => {
    const p = provider();
    const task = await p.submit(spec('resumed'));
    await until(
      () => (bfl.tasks.get(task.taskId)?.readyAt ?? Infinity) <= Date.now(),
      10_000,
      'the task to be ready',
    );
    const resumed: SubmittedTask = { ...task, submittedAt: Date.now() - 60_000 };
    const ready: ReadyInfo[] = [];
    await p.waitForResult(resumed, { expectedMs: 50_000, onReady: (info) => ready.push(info) });
    expect(bfl.tasks.get(task.taskId)?.polls).toBe(1);
    expect(ready).toEqual([{}]);
  });

  it('stops at once when aborted mid-sleep, without another poll', async () => {
    const p = provider();
    const task = await p.submit(spec('abort while sleeping'));
    const c = new AbortController();
    const waiting = p.waitForResult(task, { expectedMs: 60_000, signal: c.signal });
    setTimeout(() => c.abort(new Error('stop')), 20);
    await expect(waiting).rejects.toThrow('stop');
    expect(bfl.tasks.get(task.taskId)?.polls).toBe(0);
  });

  it('stops when aborted mid-poll', async () => {
    bfl.configure({ slowPollMs: 60_000 });
    const p = provider();
    const task = await p.submit(spec('abort while polling'));
    const c = new AbortController();
    const before = bfl.counts.polls;
    const waiting = p.waitForResult(task, { expectedMs: 1, signal: c.signal });
    await until(() => bfl.counts.polls > before, 10_000, 'a poll in flight');
    c.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
  });

  it('polls at once when woken, even by a wake that came before it slept', async () => {
    const p = provider();
    const task = await p.submit(spec('woken'));
    await until(
      () => (bfl.tasks.get(task.taskId)?.readyAt ?? Infinity) <= Date.now(),
      10_000,
      'the task to be ready',
    );
    const result = await p.waitForResult(task, { expectedMs: 60_000, onWake: (wake) => wake() });
    expect(result.data.length).toBeGreaterThan(0);
    expect(bfl.tasks.get(task.taskId)?.polls).toBe(1);

    const task2 = await p.submit(spec('woken later'));
    let wake: (() => void) | undefined;
    const waiting = p.waitForResult(task2, {
      expectedMs: 60_000,
      onWake: (w) => {
        wake = w;
      },
    });
    await until(
      () => (bfl.tasks.get(task2.taskId)?.readyAt ?? Infinity) <= Date.now(),
      10_000,
      'the task to be ready',
    );
    wake?.();
    await waiting;
    expect(bfl.tasks.get(task2.taskId)?.polls).toBe(1);
  });
});

describe('BFL sample download', () => {
  it('refuses an image over the cap, by content-length and while streaming', async () => {
    const big = await failure(generate('[big] x', { format: 'png' }));
    expect([big.code, big.charge]).toEqual(['DOWNLOAD_TOO_LARGE', 'charged']);
    const streamed = await failure(generate('[img=600x600] [no-length] x'));
    expect(streamed.code).toBe('DOWNLOAD_TOO_LARGE');
  });

  it('accepts an image under the cap sent without content-length', async () => {
    const { result } = await generate('[img=64x64] [no-length] x');
    expect(result.contentType).toBe('image/png');
  });

  it('refuses a sample that is not an image', async () => {
    expect((await failure(generate('[not-image] x'))).code).toBe('NOT_AN_IMAGE');
  });

  it('polls again for a fresh link when the sample link fails, then gives up', async () => {
    bfl.configure({ sampleTtlMs: -1 });
    const seen = sinceNow();
    let readies = 0;
    const err = await failure(generate('expired link', {}, { onReady: () => readies++ }));
    expect([err.code, err.status, err.charge]).toEqual(['DOWNLOAD_FAILED', 403, 'charged']);
    expect(seen().filter((r) => r.host === 'delivery')).toHaveLength(2);
    // Ready was seen twice, told once: the slot was given back at the first.
    expect(readies).toBe(1);
    expect(errorText(err)).not.toContain('sig=');
  });
});
