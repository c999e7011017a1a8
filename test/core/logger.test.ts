import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createDiscordRest } from '../../src/bots/discord/rest.ts';
import { createHttp } from '../../src/core/providers/http.ts';
import { startFakeDiscord } from '../fakes/discord-server.ts';
import { captureLogs } from '../support/logs.ts';

describe('logging keeps secrets out', () => {
  it('redacts a Slack Web API request error, whose wrapped request carries the bot token', async () => {
    const { logger, text } = captureLogs();
    const client = new webApi.WebClient('xoxb-secret-token-in-headers', {
      slackApiUrl: 'http://127.0.0.1:9/api/',
      retryConfig: { retries: 0 },
    });
    const err = await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e);
    logger.error({ err }, 'slack failed');
    expect(text()).toContain('slack failed');
    expect(text()).not.toContain('xoxb-secret-token-in-headers');
  });

  it('redacts a Discord REST error on an interaction route, whose URL holds the interaction token', async () => {
    const discord = await startFakeDiscord();
    const http = createHttp();
    try {
      const { logger, text } = captureLogs();
      const rest = createDiscordRest(discord.api, discord.token, http.dispatcher);
      const err = await rest
        .patch('/webhooks/1/interaction-token-secret-abc/messages/@original', { body: {}, auth: false })
        .catch((e: unknown) => e);
      logger.warn({ err }, 'discord failed');
      expect(text()).toContain('discord failed');
      expect(text()).not.toContain('interaction-token-secret-abc');
    } finally {
      await http.close();
      await discord.close();
    }
  });

  it('redacts keys and tokens passed as fields', () => {
    const { logger, text } = captureLogs();
    logger.info(
      {
        config: { bflApiKey: 'bfl_key_value_1234', slack: { botToken: 'xoxb-bot-1234' } },
        headers: { 'x-key': 'bfl_key_value_1234' },
      },
      'config',
    );
    expect(text()).not.toContain('bfl_key_value_1234');
    expect(text()).not.toContain('xoxb-bot-1234');
  });
});
