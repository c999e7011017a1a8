/**
 * The one Discord app fixture: fake BFL + fake Discord + the whole app, started before each test (or
 * once, with `once`) and stopped after it. Tests read the live pieces through the getters, which
 * always name the current test's instances.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { App } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import { type FakeBfl, type FakeBflOptions, startFakeBfl } from '../fakes/bfl-server.ts';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord-server.ts';
import { discordConfig, keyPair, startDiscordApp } from './discord.ts';
import { type CapturedLogs, captureLogs } from './logs.ts';

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

export interface DiscordAppFixture {
  readonly app: App;
  readonly port: number;
  readonly bfl: FakeBfl;
  readonly discord: FakeDiscord;
  readonly keys: ReturnType<typeof keyPair>;
  readonly config: Config;
  readonly logs: CapturedLogs;
  /** Starts the app again (after the test stopped it) on the same data, optionally with a changed config. */
  start(change?: (c: Config) => Config): Promise<void>;
  /** Stops the app and starts it again on the same data, optionally with a changed config. */
  restart(change?: (c: Config) => Config): Promise<void>;
}

export function useDiscordApp(options: DiscordAppOptions = {}): DiscordAppFixture {
  const mode = options.mode ?? 'http';
  const keys = keyPair();
  let bfl: FakeBfl | undefined;
  let discord: FakeDiscord | undefined;
  let app: App | undefined;
  let port = 0;
  let config: Config | undefined;
  let logs: CapturedLogs | undefined;

  const start = async () => {
    ({ app, port } = await startDiscordApp(config as Config, options.now, logs?.logger));
  };
  const setup = async () => {
    bfl = await startFakeBfl(options.bfl);
    discord = await startFakeDiscord();
    const base = discordConfig(discord, bfl, mode, mode === 'http' ? keys.publicHex : undefined);
    config = options.config ? options.config(base) : base;
    logs = options.logs ? captureLogs() : undefined;
    await start();
    if (mode === 'gateway') await discord.gatewayReady;
  };
  const teardown = async () => {
    await app?.stop();
    app = undefined;
    await discord?.close();
    await bfl?.close();
  };
  (options.once ? beforeAll : beforeEach)(setup);
  (options.once ? afterAll : afterEach)(teardown);

  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`useDiscordApp: no ${what} outside a test`);
    return v;
  };
  return {
    get app() {
      return need(app, 'app');
    },
    get port() {
      return port;
    },
    get bfl() {
      return need(bfl, 'fake BFL');
    },
    get discord() {
      return need(discord, 'fake Discord');
    },
    keys,
    get config() {
      return need(config, 'config');
    },
    get logs() {
      return need(logs, 'logs (pass logs: true)');
    },
    async start(change) {
      if (change) config = change(need(config, 'config'));
      await start();
    },
    async restart(change) {
      await app?.stop();
      await this.start(change);
    },
  };
}
