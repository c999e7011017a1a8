/**
 * What the Discord and Slack app fixtures share: fake BFL + a fake platform + the whole app, started
 * before each test (or once) and stopped after it, read through getters that always name the current
 * test's instances.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { App } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { Logger } from '../../src/core/logger.ts';
import { type FakeBfl, type FakeBflOptions, startFakeBfl } from '../fakes/bfl-server.ts';
import { tempDb } from './core.ts';
import { type CapturedLogs, captureLogs } from './logs.ts';

export interface RunningApp {
  readonly app: App;
  readonly port: number;
  readonly bfl: FakeBfl;
  readonly config: Config;
  /** The app's logs, captured afresh for each setup and kept across `restart()` (pass `logs: true`). */
  readonly logs: CapturedLogs;
  /** Stops the app now, so that the test can read what it left behind; the after-hook then skips it. */
  stop(): Promise<void>;
  /** Starts the app again (after the test stopped it) on the same data, optionally changed. */
  start(change?: (c: Config) => Config, retries?: number): Promise<void>;
  /** Stops the app and starts it again on the same data, optionally changed. */
  restart(change?: (c: Config) => Config, retries?: number): Promise<void>;
}

export interface RunningAppSpec<P extends { close(): Promise<void> }> {
  bfl?: Partial<FakeBflOptions>;
  /** Start once for the whole file (or describe) instead of before each test. */
  once?: boolean;
  config?: (c: Config) => Config;
  /** Capture the app's logs (`logs`) instead of discarding them. */
  logs?: boolean;
  startPlatform(): Promise<P>;
  configFor(platform: P, bfl: FakeBfl): Config;
  startApp(config: Config, retries?: number, logger?: Logger): Promise<{ app: App; port: number }>;
  /** Runs after the fakes start and before the app does. */
  prepare?(platform: P, bfl: FakeBfl): void;
  /** What to wait for once the app is up (a gateway or socket connection). */
  ready?(platform: P): Promise<void> | undefined;
}

/** A bot's config against the fake BFL on loopback, a fresh data directory unless given, plus the platform's settings. */
export function botConfig(
  bfl: Pick<FakeBfl, 'url'>,
  platform: Record<string, string>,
  dataDir = tempDb().replace(/\/flux\.db$/, ''),
): Config {
  return loadConfig(
    {
      BFL_API_KEY: 'bfl_test_key_0123456789',
      BFL_API_BASE: bfl.url,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      ...platform,
    },
    'bot',
  );
}

export function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`no ${what} outside a test`);
  return v;
}

export function useRunningApp<P extends { close(): Promise<void> }>(
  spec: RunningAppSpec<P>,
): RunningApp & { readonly platform: P } {
  let bfl: FakeBfl | undefined;
  let platform: P | undefined;
  let app: App | undefined;
  let port = 0;
  let config: Config | undefined;
  let logs: CapturedLogs | undefined;

  const startApp = async (retries?: number) => {
    ({ app, port } = await spec.startApp(need(config, 'config'), retries, logs?.logger));
  };
  (spec.once ? beforeAll : beforeEach)(async () => {
    bfl = await startFakeBfl(spec.bfl);
    platform = await spec.startPlatform();
    spec.prepare?.(platform, bfl);
    logs = spec.logs ? captureLogs() : undefined;
    const base = spec.configFor(platform, bfl);
    config = spec.config ? spec.config(base) : base;
    await startApp();
    await spec.ready?.(platform);
  });
  (spec.once ? afterAll : afterEach)(async () => {
    await app?.stop();
    app = undefined;
    await platform?.close();
    await bfl?.close();
  });

  const running = {
    get app() {
      return need(app, 'app');
    },
    get port() {
      return port;
    },
    get bfl() {
      return need(bfl, 'fake BFL');
    },
    get platform() {
      return need(platform, 'fake platform');
    },
    get config() {
      return need(config, 'config');
    },
    get logs() {
      return need(logs, 'logs (pass logs: true)');
    },
    async stop() {
      await app?.stop();
      app = undefined;
    },
    async start(change?: (c: Config) => Config, retries?: number) {
      if (change) config = change(need(config, 'config'));
      await startApp(retries);
    },
    async restart(change?: (c: Config) => Config, retries?: number) {
      await running.stop();
      await running.start(change, retries);
    },
  };
  return running;
}
