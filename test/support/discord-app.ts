/** The one Discord app fixture: fake BFL + fake Discord + the whole app (see app-fixture.ts). */

import type { RawInteraction } from '../../src/bots/discord/payload.ts';
import type { Config } from '../../src/config.ts';
import type { FakeBflOptions } from '../fakes/bfl-server.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.ts';
import { type RunningApp, useRunningApp } from './app-fixture.ts';
import { CHANNEL, discordConfig, keyPair, post, startDiscordApp } from './discord.ts';
import { until } from './until.ts';

export interface DiscordAppOptions {
  mode?: 'http' | 'gateway';
  bfl?: Partial<FakeBflOptions>;
  /** The bot's clock. */
  now?: () => number;
  /** Capture the app's logs afresh for each setup (`t.logs`); kept across `restart()`. */
  logs?: boolean;
  config?: (c: Config) => Config;
  /** Start once for the whole file (or describe) instead of before each test. */
  once?: boolean;
}

export interface DiscordAppFixture extends RunningApp {
  readonly discord: FakeDiscord;
  readonly keys: ReturnType<typeof keyPair>;
  /** Posts a signed interaction as Discord would (signed at the bot's clock), its token bound to `channel`. */
  send(raw: RawInteraction, channel?: string): ReturnType<typeof post>;
  /** Waits for the ephemeral (flags 64) answer posted with an interaction's token. */
  /** The first private (ephemeral) message sent with this interaction's token, as sent. */
  privateAnswer(token: string): Promise<PrivateAnswer>;
}

export function useDiscordApp(options: DiscordAppOptions = {}): DiscordAppFixture {
  const mode = options.mode ?? 'http';
  const keys = keyPair();
  const running = useRunningApp({
    ...options,
    startPlatform: () => startFakeDiscord(),
    configFor: (discord, bfl) =>
      discordConfig(discord, bfl, mode, mode === 'http' ? keys.publicHex : undefined),
    startApp: (config, _retries, logger) => startDiscordApp(config, options.now, logger),
    ready: (discord) => (mode === 'gateway' ? discord.gatewayReady : undefined),
  });
  return Object.defineProperties(running, {
    discord: { get: () => running.platform },
    keys: { value: keys },
    send: {
      value: (raw: RawInteraction, channel = CHANNEL) => {
        running.platform.bindToken(raw.token, channel);
        return post(running.port, raw, keys.privateKey, { at: options.now?.() });
      },
    },
    privateAnswer: {
      value: (token: string) =>
        until(
          () =>
            running.platform.calls.find(
              (c) =>
                c.method === 'POST' && c.path.includes(token) && (c.body as { flags?: number })?.flags === 64,
            )?.body as PrivateAnswer | undefined,
          5_000,
          'private answer',
        ),
    },
  }) as typeof running & DiscordAppFixture;
}

export interface PrivateAnswer {
  content: string;
  components?: Array<{ components: Array<{ custom_id?: string; label?: string }> }>;
}
