import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { type FakeBfl, startFakeBfl } from '../../fakes/bfl-server.ts';
import { type FakeSlack, startFakeSlack } from '../../fakes/slack-server.ts';
import { commandBody, slackConfig, startSlackApp, until } from '../../support/slack.ts';

let bfl: FakeBfl;
let slack: FakeSlack;
let app: App;

beforeAll(async () => {
  bfl = await startFakeBfl({ generationMs: 20 });
  slack = await startFakeSlack();
  ({ app } = await startSlackApp(slackConfig(slack, bfl, 'socket')));
  await slack.socketConnected;
});
afterAll(async () => {
  await app.stop();
  await slack.close();
  await bfl.close();
});

describe('Slack over Socket Mode', () => {
  it('connects with the app token, acks the slash command envelope, and delivers the image in the thread', async () => {
    expect(slack.calls.find((c) => c.method === 'apps.connections.open')?.auth).toBe(
      `Bearer ${slack.appToken}`,
    );
    const ack = await slack.sendEnvelope(
      'slash_commands',
      commandBody('a socket fox --model klein-4b', slack),
    );
    expect(ack).toEqual({});
    const detail = await until(() => [...slack.messages.values()].find((m) => m.threadTs), 10_000, 'details');
    expect(JSON.stringify(detail.blocks)).toContain('a socket fox');
    expect([...slack.uploads.values()][0]?.completed).toBe(true);
  });
});
