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
  /**
   * The first private (ephemeral, flags 64) message sent with this interaction's token, as sent: the
   * first response itself (the HTTP response, or the gateway's callback), or a message posted after it.
   */
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
  // HTTP mode answers in the response, which the fake never sees: kept here by token.
  const responses = new Map<string, unknown>();
  const privateIn = (body: unknown, type?: number): PrivateAnswer | undefined => {
    const b = body as { type?: number; data?: { flags?: number } } | undefined;
    return b?.type === type && b?.data?.flags === 64 ? (b.data as PrivateAnswer) : undefined;
  };
  return Object.defineProperties(running, {
    discord: { get: () => running.platform },
    keys: { value: keys },
    send: {
      value: (raw: RawInteraction, channel = CHANNEL) => {
        running.platform.bindToken(raw.token, channel);
        return post(running.port, raw, keys.privateKey, { at: options.now?.() }).then((answer) => {
          responses.set(raw.token, answer.body);
          return answer;
        });
      },
    },
    privateAnswer: {
      value: (token: string) =>
        until(
          () =>
            privateIn(responses.get(token), 4) ??
            running.platform.calls
              .filter((c) => c.method === 'POST' && c.path.includes(token))
              .map((c) =>
                c.path.endsWith('/callback')
                  ? privateIn(c.body, 4)
                  : (c.body as { flags?: number })?.flags === 64
                    ? (c.body as PrivateAnswer)
                    : undefined,
              )
              .find(Boolean),
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
