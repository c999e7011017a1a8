import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { type FakeBfl, startFakeBfl } from '../../fakes/bfl-server.ts';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/discord-server.ts';
import { discordConfig, slash, startDiscordApp, until } from '../../support/discord.ts';

let bfl: FakeBfl;
let discord: FakeDiscord;
let app: App;

beforeAll(async () => {
  bfl = await startFakeBfl({ generationMs: 20 });
  discord = await startFakeDiscord();
  ({ app } = await startDiscordApp(discordConfig(discord, bfl, 'gateway')));
  await discord.gatewayReady;
});
afterAll(async () => {
  await app.stop();
  await discord.close();
  await bfl.close();
});

describe('Discord over the gateway', () => {
  it('logs in with the bot token and runs /flux from an INTERACTION_CREATE dispatch to the image in a thread', async () => {
    const raw = slash({ prompt: 'a gateway fox', model: 'klein-4b' });
    discord.dispatch('INTERACTION_CREATE', raw);
    const callback = await until(
      () => discord.callbacks.find((c) => c.interactionId === raw.id),
      5_000,
      'deferral callback',
    );
    expect(callback.body).toEqual({ type: 5 });
    const result = await until(
      () => [...discord.messages.values()].find((m) => m.attachments.length),
      10_000,
      'result',
    );
    expect([...discord.threads.values()][0]?.id).toBe(result.channelId);
    await until(() => discord.originalOf(raw.token)?.content.includes('see thread'), 5_000, 'summary');
    expect(discord.authViolations).toEqual([]);
  });

  it('answers an unknown button politely through the interaction callback', async () => {
    const raw = slash({});
    raw.type = 3;
    raw.data = { custom_id: 'something-else' };
    discord.dispatch('INTERACTION_CREATE', raw);
    const callback = await until(
      () => discord.callbacks.find((c) => c.interactionId === raw.id),
      5_000,
      'callback',
    );
    expect(callback.body).toMatchObject({
      type: 4,
      data: { content: 'This button is no longer active.', flags: 64 },
    });
  });
});
