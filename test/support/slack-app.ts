/**
 * The one Slack app fixture: fake BFL + fake Slack + the whole app, started before each test (or once,
 * with `once`) and stopped after it. Tests read the live pieces through the getters, which always name
 * the current test's instances.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { App } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import { type FakeBfl, type FakeBflOptions, startFakeBfl } from '../fakes/bfl-server.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-server.ts';
import { slackConfig, startSlackApp } from './slack.ts';

export interface SlackAppOptions {
  mode?: 'http' | 'socket';
  bfl?: Partial<FakeBflOptions>;
  config?: (c: Config) => Config;
  /** Sets the fakes up before the app starts (e.g. who is a workspace admin). */
  prepare?: (fakes: { bfl: FakeBfl; slack: FakeSlack }) => void;
  /** Start once for the whole file (or describe) instead of before each test. */
  once?: boolean;
}

export interface SlackAppFixture {
  readonly app: App;
  readonly port: number;
  readonly bfl: FakeBfl;
  readonly slack: FakeSlack;
  readonly config: Config;
  /** Starts the app again (after the test stopped it) on the same data, optionally changed. */
  start(change?: (c: Config) => Config, retries?: number): Promise<void>;
  /** Stops the app and starts it again on the same data, optionally with a changed config or retries. */
  restart(change?: (c: Config) => Config, retries?: number): Promise<void>;
}

export function useSlackApp(options: SlackAppOptions = {}): SlackAppFixture {
  const mode = options.mode ?? 'http';
  let bfl: FakeBfl | undefined;
  let slack: FakeSlack | undefined;
  let app: App | undefined;
  let port = 0;
  let config: Config | undefined;

  const start = async (retries?: number) => {
    ({ app, port } = await startSlackApp(config as Config, retries));
  };
  const setup = async () => {
    bfl = await startFakeBfl(options.bfl);
    slack = await startFakeSlack();
    options.prepare?.({ bfl, slack });
    const base = slackConfig(slack, bfl, mode);
    config = options.config ? options.config(base) : base;
    await start();
    if (mode === 'socket') await slack.socketConnected;
  };
  const teardown = async () => {
    await app?.stop();
    app = undefined;
    await slack?.close();
    await bfl?.close();
  };
  (options.once ? beforeAll : beforeEach)(setup);
  (options.once ? afterAll : afterEach)(teardown);

  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`useSlackApp: no ${what} outside a test`);
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
    get slack() {
      return need(slack, 'fake Slack');
    },
    get config() {
      return need(config, 'config');
    },
    async start(change, retries) {
      if (change) config = change(need(config, 'config'));
      await start(retries);
    },
    async restart(change, retries) {
      await app?.stop();
      await this.start(change, retries);
    },
  };
}
