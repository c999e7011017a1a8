/** The fake BFL keeps to bfl-api.md: tests that trust it are only as good as it is. */
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.ts';
import { type FakeBfl, startFakeBfl } from './bfl-server.ts';

const KEY = 'bfl_test_key_0123456789';
let bfl: FakeBfl;

async function call(
  url: string,
  init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: unknown } = {},
) {
  const res = await request(url, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const buf = Buffer.from(await res.body.arrayBuffer());
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(buf.toString()) as Record<string, unknown>;
  } catch {}
  return { status: res.statusCode, headers: res.headers, json, buf };
}
const submit = (prompt: string, extra: object = {}, headers: Record<string, string> = { 'x-key': KEY }) =>
  call(`${bfl.url}/v1/flux-2-pro`, {
    method: 'POST',
    headers,
    body: { prompt, width: 1024, height: 1024, ...extra },
  });
const poll = (url: string) => call(url, { headers: { 'x-key': KEY } });
async function pollUntilDone(url: string) {
  for (;;) {
    const r = await poll(url);
    if (!['Pending', 'Generating', 'Reasoning'].includes(String(r.json.status))) return r;
    await new Promise((res) => setTimeout(res, 5));
  }
}

beforeAll(async () => {
  bfl = await startFakeBfl({ generationMs: 20 });
});
afterEach(() => bfl.reset());
afterAll(() => bfl.close());

describe('fake BFL', () => {
  it('wants x-key: no key, a wrong key and Authorization: Bearer are all 403', async () => {
    expect((await submit('x', {}, {})).status).toBe(403);
    expect((await submit('x', {}, { 'x-key': 'nope' })).status).toBe(403);
    expect((await submit('x', {}, { authorization: `Bearer ${KEY}` })).status).toBe(403);
    expect(bfl.counts.accepted).toBe(0);
  });

  it('answers a submit with id, polling_url on another host, cost and megapixels; then Ready with cost', async () => {
    const r = await submit('a fox', { input_image: 'https://x/a.png' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: expect.any(String), cost: 4.5, input_mp: 1.05, output_mp: 1.05 });
    const pollingUrl = String(r.json.polling_url);
    expect(pollingUrl.startsWith(bfl.pollingBase)).toBe(true);
    expect(bfl.pollingBase).not.toBe(bfl.url);
    const done = await pollUntilDone(pollingUrl);
    expect(done.json).toMatchObject({ status: 'Ready', cost: 4.5 });
    const sample = String((done.json.result as { sample: string }).sample);
    expect(sample.startsWith(bfl.deliveryBase)).toBe(true);
    const image = await call(sample);
    expect([image.status, image.buf.subarray(0, 3).toString('hex')]).toEqual([200, 'ffd8ff']);
    const task = bfl.tasks.get(String(r.json.id));
    expect(task?.polls).toBeGreaterThan(0);
    expect(task?.downloadedAt).toBeGreaterThanOrEqual(task?.readyAt ?? Infinity);
  });

  it('refuses tampered and expired sample links', async () => {
    const r = await submit('x');
    const done = await pollUntilDone(String(r.json.polling_url));
    const sample = String((done.json.result as { sample: string }).sample);
    expect((await call(sample.replace(/sig=[0-9a-f]+/, 'sig=00'))).status).toBe(403);
    bfl.configure({ sampleTtlMs: -1 });
    const late = await pollUntilDone(String(r.json.polling_url));
    expect((await call(String((late.json.result as { sample: string }).sample))).status).toBe(403);
  });

  it('holds sample downloads unanswered while asked to, then serves them', async () => {
    const done = await pollUntilDone(String((await submit('held')).json.polling_url));
    const [asked, served] = [bfl.requestsTo('delivery').length, bfl.counts.downloads];
    bfl.configure({ holdDeliveries: true });
    const download = call(String((done.json.result as { sample: string }).sample));
    await until(() => bfl.requestsTo('delivery').length > asked, 10_000, 'the download to arrive');
    expect(bfl.counts.downloads).toBe(served);
    bfl.configure({ holdDeliveries: false });
    expect((await download).status).toBe(200);
    expect(bfl.counts.downloads).toBe(served + 1);
  });

  it('answers 429 with Retry-After over the active-task limit, and counts it', async () => {
    bfl.configure({ maxActive: 1, retryAfter: 2, generationMs: 10_000 });
    expect((await submit('first')).status).toBe(200);
    const busy = await submit('second');
    expect([busy.status, busy.headers['retry-after']]).toEqual([429, '2']);
    expect(bfl.counts.rateLimited).toBe(1);
    expect(bfl.active()).toBe(1);
  });

  it('refuses on keywords: 402, 422 with a string or an array detail', async () => {
    expect((await submit('[402] x')).status).toBe(402);
    expect((await submit('[422] x')).json.detail).toBe('Prompt is too long');
    const arr = (await submit('[422-array] x')).json.detail as Array<Record<string, unknown>>;
    expect(arr[0]).toMatchObject({ loc: ['body', 'width'], msg: expect.any(String), type: 'multiple_of' });
  });

  it('plays terminal statuses on keywords, and "Task not found" as HTTP 404 or in the body', async () => {
    const status = async (prompt: string) =>
      (await pollUntilDone(String((await submit(prompt)).json.polling_url))).json.status;
    expect(await status('[request-moderated] x')).toBe('Request Moderated');
    expect(await status('[content-moderated] x')).toBe('Content Moderated');
    expect(await status('[error] x')).toBe('Error');
    expect(await status('[failed] x')).toBe('Failed');
    const nf = await poll(String((await submit('[not-found] x')).json.polling_url));
    expect([nf.status, nf.json.status]).toEqual([404, 'Task not found']);
    const nf200 = await poll(String((await submit('[not-found-200] x')).json.polling_url));
    expect([nf200.status, nf200.json.status]).toEqual([200, 'Task not found']);
  });

  it('serves a PNG of the asked size', async () => {
    const r = await submit('[img=320x200] x', { output_format: 'png' });
    const done = await pollUntilDone(String(r.json.polling_url));
    const png = (await call(String((done.json.result as { sample: string }).sample))).buf;
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([320, 200]);
  });

  it('fails the next N submits and polls with 500 when told', async () => {
    bfl.configure({ failSubmits: 1, failPolls: 1 });
    expect((await submit('x')).status).toBe(500);
    const ok = await submit('x');
    expect(ok.status).toBe(200);
    expect((await poll(String(ok.json.polling_url))).status).toBe(500);
    expect((await poll(String(ok.json.polling_url))).status).toBe(200);
  });

  it('answers GET /v1/credits', async () => {
    expect((await call(`${bfl.url}/v1/credits`, { headers: { 'x-key': KEY } })).json).toEqual({
      credits: 1234.5,
    });
  });
});
