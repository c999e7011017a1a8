import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { platformError } from '../../../src/bots/slack/results.ts';
import { createSlackApi, type SlackApiOptions } from '../../../src/bots/slack/web-api.ts';
import { createHttp, type Http } from '../../../src/core/providers/http.ts';
import { type FakeSlack, startFakeSlack } from '../../fakes/slack-server.ts';
import { CHANNEL } from '../../support/slack.ts';

let slack: FakeSlack;
let http: Http;
let waits: number[];
const api = (over: Partial<SlackApiOptions> = {}) =>
  createSlackApi({
    apiUrl: slack.apiUrl,
    token: slack.botToken,
    dispatcher: http.dispatcher,
    timeoutMs: 5_000,
    retries: 2,
    // The waits are recorded, not slept: the schedule is what is under test.
    sleep: async (ms) => void waits.push(ms),
    ...over,
  });
const calls = (method: string) => slack.calls.filter((c) => c.method === method);

beforeEach(async () => {
  slack = await startFakeSlack();
  http = createHttp();
  waits = [];
});
afterEach(async () => {
  await http.close();
  await slack.close();
});

describe('the card’s Web API calls', () => {
  it('posts JSON with the bot token and answers what Slack answered', async () => {
    const res = await api().call<{ ts: string }>('chat.postMessage', {
      channel: CHANNEL,
      text: 'hello',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hello' } }],
    });
    expect(slack.messages.get(res.ts)?.text).toBe('hello');
    expect(calls('chat.postMessage')[0]?.auth).toBe(`Bearer ${slack.botToken}`);
    await api().call('chat.update', { channel: CHANNEL, ts: res.ts, text: 'edited' });
    expect(slack.messages.get(res.ts)?.text).toBe('edited');
  });

  it('form-encodes where Slack wants a form: the upload slot, then a share whose files and blocks are JSON', async () => {
    const client = api();
    // As live Slack does, the fake refuses the upload slot asked for in JSON.
    await expect(
      client.call('files.getUploadURLExternal', { filename: 'a.png', length: 3 }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    const slot = await client.call<{ upload_url: string; file_id: string }>(
      'files.getUploadURLExternal',
      { filename: 'a.png', length: 3, alt_txt: undefined },
      'form',
    );
    expect(slot.file_id).toMatch(/^F/);
    expect(calls('files.getUploadURLExternal')[1]?.params).toEqual({ filename: 'a.png', length: '3' });
    const up = await http.dispatcher.request({
      origin: new URL(slot.upload_url).origin,
      path: new URL(slot.upload_url).pathname,
      method: 'POST',
      body: Buffer.from('abc'),
    });
    await up.body.dump();
    const text = 'a fox & a hound';
    await client.call(
      'files.completeUploadExternal',
      {
        files: [{ id: slot.file_id, title: 'a.png' }],
        channel_id: CHANNEL,
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
      },
      'form',
    );
    const shared = [...slack.messages.values()].find((m) => m.files?.includes(slot.file_id));
    expect(shared?.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text } }]);
  });

  it('waits out a 429 for its Retry-After, and holds that method’s next call too', async () => {
    const client = api();
    slack.rateLimit.set('chat.postMessage', 1);
    await client.call('chat.postMessage', { channel: CHANNEL, text: 'a' });
    expect(calls('chat.postMessage')).toHaveLength(2);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(900);
    expect(waits[0]).toBeLessThanOrEqual(1_000);
    // Within the second Slack asked for, the next call of the method waits for the rest of it.
    await client.call('chat.postMessage', { channel: CHANNEL, text: 'b' });
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeGreaterThan(500);
    // Another method is not held.
    await client.call('chat.update', { channel: CHANNEL, ts: [...slack.messages.keys()][0], text: 'c' });
    expect(waits).toHaveLength(2);
  });

  it('gives up on a 429 once its retries are spent, with a rate-limit error', async () => {
    slack.rateLimit.set('chat.update', 5);
    await expect(
      api({ retries: 1 }).call('chat.update', { channel: CHANNEL, ts: '1.1', text: 'x' }),
    ).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
    });
    expect(calls('chat.update')).toHaveLength(2);
  });

  it('tries a failed answer again after 1 s, then 2 s', async () => {
    slack.faults.push({ method: 'chat.postMessage', count: 2 });
    await api().call('chat.postMessage', { channel: CHANNEL, text: 'a' });
    expect(calls('chat.postMessage')).toHaveLength(3);
    expect(waits).toEqual([1_000, 2_000]);
  });

  it('gives up on an attempt that does not answer by its deadline', async () => {
    slack.faults.push({ method: 'chat.postMessage', count: 1, hang: true });
    await expect(
      api({ retries: 0, timeoutMs: 200 }).call('chat.postMessage', { channel: CHANNEL, text: 'a' }),
    ).rejects.toThrow();
  });

  it('throws Slack’s error code the way the WebClient does, without trying again', async () => {
    slack.channelErrors.set('D9', 'channel_not_found');
    const err = await api()
      .call('chat.postMessage', { channel: 'D9', text: 'a' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'slack_webapi_platform_error' });
    expect(platformError(err)).toBe('channel_not_found');
    expect(calls('chat.postMessage')).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});
