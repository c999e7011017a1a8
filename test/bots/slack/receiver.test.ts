import type { App, ReceiverEvent } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBurstGate } from '../../../src/bots/burst-gate.ts';
import { acksEmptyAtOnce } from '../../../src/bots/slack/listeners/quick-ack.ts';
import { createSlackReceiver } from '../../../src/bots/slack/receiver.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createHttpServer, type HttpServer } from '../../../src/http-server.ts';
import { blockAction, SECRET, sign, triggerId } from '../../support/slack.ts';
import { until } from '../../support/until.ts';

/** What bolt would be given, and when: the receiver is tested against a stand-in for App.processEvent. */
let events: Array<{ event: ReceiverEvent }>;
let onEvent: (event: ReceiverEvent) => Promise<void>;
let server: HttpServer;
let port: number;

beforeEach(async () => {
  events = [];
  onEvent = async () => undefined;
  server = createHttpServer(silentLogger());
  const receiver = createSlackReceiver({
    signingSecret: SECRET,
    logger: silentLogger(),
    gate: createBurstGate(),
    acksAtOnce: acksEmptyAtOnce,
    unhandledMs: 200,
  });
  receiver.init({
    processEvent: async (event: ReceiverEvent) => {
      events.push({ event });
      await onEvent(event);
    },
  } as unknown as App);
  server.route('POST', '/slack/events', receiver.handle);
  port = await server.listen(0, '127.0.0.1');
});
afterEach(() => server.close());

async function post(body: string, headers: Record<string, string>) {
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const command = (text: string) =>
  form({ command: '/flux', text, team_id: 'T1', channel_id: 'C1', user_id: 'U1', trigger_id: triggerId() });
const now = () => Math.floor(Date.now() / 1000);

describe('the Slack HTTP receiver', () => {
  it('acks a signed /flux at once with an empty 200, then hands bolt the parsed command', async () => {
    // bolt never finishes here: the answer cannot be waiting for it.
    let finish = () => {};
    onEvent = () => new Promise<void>((r) => (finish = r));
    const body = command('a fox --model klein-4b');
    const res = await post(body, sign(body));
    expect(res).toMatchObject({ status: 200, text: '' });
    const { event } = await until(() => events[0], 2_000, 'event');
    expect(event.body).toMatchObject({ command: '/flux', text: 'a fox --model klein-4b', user_id: 'U1' });
    expect(event.retryNum).toBeUndefined();
    // Already answered: the listener's own ack sends nothing and does not fail.
    await expect(event.ack()).resolves.toBeUndefined();
    finish();
  });

  it('refuses a bad signature, a missing one and a timestamp 5 minutes off either way with 401, handing bolt nothing', async () => {
    const body = command('a fox');
    expect((await post(body, sign(body, undefined, 'wrong-secret-xxxxxxxxxx'))).status).toBe(401);
    const { 'x-slack-signature': _, ...unsigned } = sign(body);
    expect((await post(body, unsigned)).status).toBe(401);
    expect((await post(`${body}&text=changed`, sign(body))).status).toBe(401);
    expect((await post(body, sign(body, now() - 301))).status).toBe(401);
    expect((await post(body, sign(body, now() + 301))).status).toBe(401);
    expect((await post(body, sign(body, now() - 290))).status).toBe(200);
    await until(() => events[0], 2_000, 'the fresh one');
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toHaveLength(1);
  });

  it('passes a retry’s X-Slack-Retry-Num and reason on to bolt (the retry guard reads them)', async () => {
    const body = command('a fox');
    const res = await post(body, {
      ...sign(body),
      'x-slack-retry-num': '2',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(res.status).toBe(200);
    const { event } = await until(() => events[0], 2_000, 'event');
    expect(event.retryNum).toBe(2);
    expect(event.retryReason).toBe('http_timeout');
  });

  it('answers url_verification with its challenge and an ssl_check with 200, handing bolt neither', async () => {
    const body = JSON.stringify({ type: 'url_verification', token: 't', challenge: 'c-123' });
    const res = await post(body, { ...sign(body), 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ challenge: 'c-123' });
    const forged = JSON.stringify({ type: 'url_verification', challenge: 'x' });
    expect(
      (
        await post(forged, {
          ...sign(forged, undefined, 'nope-nope-nope'),
          'content-type': 'application/json',
        })
      ).status,
    ).toBe(401);
    // Slack does not sign ssl_check; nothing smuggled in with it is read.
    const ssl = form({ ssl_check: '1', token: 't', command: '/flux', text: 'smuggled' });
    expect((await post(ssl, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toHaveLength(0);
  });

  it('answers a malformed body with 400', async () => {
    const body = form({ payload: '{not json' });
    expect((await post(body, sign(body))).status).toBe(400);
    expect(events).toHaveLength(0);
  });

  it('leaves payloads not acked at once to bolt’s ack: its body is sent, and none in time is a 404', async () => {
    const other = (id: string) => form({ payload: JSON.stringify(blockAction(id)) });
    onEvent = async (event) => {
      if ((event.body.actions as Array<{ action_id: string }>)[0]?.action_id === 'other:answer')
        await event.ack({ text: 'hi' });
    };
    const answered = other('other:answer');
    const res = await post(answered, sign(answered));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ text: 'hi' });
    const silent = other('other:silent');
    const t0 = performance.now();
    expect((await post(silent, sign(silent))).status).toBe(404);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('answers 500 when bolt fails before any ack', async () => {
    onEvent = async () => {
      throw new Error('boom');
    };
    const body = form({ payload: JSON.stringify(blockAction('other:x')) });
    expect((await post(body, sign(body))).status).toBe(500);
  });
});
