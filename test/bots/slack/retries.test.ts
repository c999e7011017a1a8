import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { deliveryKey } from '../../../src/bots/slack/listeners/retries.ts';
import { type FakeBfl, startFakeBfl } from '../../fakes/bfl-server.ts';
import { type FakeSlack, startFakeSlack } from '../../fakes/slack-server.ts';
import {
  blockAction,
  commandBody,
  postForm,
  sign,
  slackConfig,
  startSlackApp,
  until,
} from '../../support/slack.ts';

let bfl: FakeBfl;
let slack: FakeSlack;
let app: App | undefined;

async function start(mode: 'http' | 'socket'): Promise<number> {
  bfl = await startFakeBfl({ generationMs: 20 });
  slack = await startFakeSlack();
  const started = await startSlackApp(slackConfig(slack, bfl, mode));
  app = started.app;
  if (mode === 'socket') await slack.socketConnected;
  return started.port;
}

const cards = () => [...slack.messages.values()].filter((m) => !m.threadTs);
const results = () => [...slack.messages.values()].filter((m) => m.threadTs);
const uploads = () => slack.calls.filter((c) => c.method === 'files.completeUploadExternal');

/**
 * A retry would be handled right after its ack, so a later, distinct request that is delivered in
 * full comes after any job the retry could have started: then the counts are final.
 */
async function deliveredAfter(send: () => Promise<unknown>, expectedResults: number): Promise<void> {
  await send();
  await until(() => results().length >= expectedResults, 10_000, `${expectedResults} results`);
}

describe('Slack retries', () => {
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await slack.close();
    await bfl.close();
  });

  it('acks a command retried over HTTP (X-Slack-Retry-Num, same trigger_id) and starts one job, one card, one image', async () => {
    const port = await start('http');
    const body = commandBody('one fox --model klein-4b --seed 3', slack);
    const raw = new URLSearchParams(body).toString();
    expect((await postForm(port, body)).status).toBe(200);
    const retry = await postForm(port, body, {
      ...sign(raw),
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(retry.status).toBe(200);
    await deliveredAfter(() => postForm(port, commandBody('another fox --model klein-4b', slack)), 2);
    expect(cards()).toHaveLength(2);
    expect(bfl.counts.submits).toBe(2);
    expect(uploads()).toHaveLength(2);
  });

  it('still starts nothing for a retry that arrives after a restart', async () => {
    bfl = await startFakeBfl({ generationMs: 20 });
    slack = await startFakeSlack();
    const config = slackConfig(slack, bfl, 'http');
    let port: number;
    ({ app, port } = await startSlackApp(config));
    const body = commandBody('durable fox --model klein-4b', slack);
    await postForm(port, body);
    await until(() => results()[0], 10_000, 'result');
    await app.stop();
    ({ app, port } = await startSlackApp(config));
    const raw = new URLSearchParams(body).toString();
    expect((await postForm(port, body, { ...sign(raw), 'x-slack-retry-num': '2' })).status).toBe(200);
    await deliveredAfter(() => postForm(port, commandBody('fresh fox --model klein-4b', slack)), 2);
    expect(cards()).toHaveLength(2);
    expect(bfl.counts.submits).toBe(2);
  });

  it('runs a button delivered twice (same trigger_id) once: one reroll', async () => {
    const port = await start('http');
    await postForm(port, commandBody('reroll fox --model klein-4b', slack));
    const first = await until(() => results()[0], 10_000, 'result');
    const reroll = JSON.stringify(first.blocks).match(/flux:reroll:[0-9a-f-]+/)?.[0] as string;
    const press = { payload: JSON.stringify(blockAction(reroll)) };
    expect((await postForm(port, press)).status).toBe(200);
    const raw = new URLSearchParams(press).toString();
    expect((await postForm(port, press, { ...sign(raw), 'x-slack-retry-num': '1' })).status).toBe(200);
    await deliveredAfter(() => postForm(port, commandBody('later fox --model klein-4b', slack)), 3);
    expect(bfl.counts.submits).toBe(3);
    expect(uploads()).toHaveLength(3);
  });

  it('acks a command redelivered over Socket Mode (retry_attempt) and starts one job, one card, one image', async () => {
    await start('socket');
    const body = commandBody('socket fox --model klein-4b --seed 4', slack);
    expect(await slack.sendEnvelope('slash_commands', body)).toEqual({});
    const ack = await slack.sendEnvelope('slash_commands', body, {
      retry_attempt: 1,
      retry_reason: 'timeout',
    });
    expect(ack).toEqual({});
    await deliveredAfter(
      () => slack.sendEnvelope('slash_commands', commandBody('next fox --model klein-4b', slack)),
      2,
    );
    expect(cards()).toHaveLength(2);
    expect(bfl.counts.submits).toBe(2);
    expect(uploads()).toHaveLength(2);
  });
});

describe('the key of a delivery', () => {
  it('is the trigger_id of interactions and commands, the event_id of events, and nothing otherwise', () => {
    expect(deliveryKey(blockAction('flux:reroll:x'))).toMatch(/^slack:trigger:\d+\./);
    expect(deliveryKey({ type: 'event_callback', event_id: 'Ev123', event: {} })).toBe('slack:event:Ev123');
    expect(deliveryKey({ type: 'url_verification', challenge: 'c' })).toBeUndefined();
    expect(deliveryKey({ trigger_id: '' })).toBeUndefined();
  });
});
