/** The one Slack app fixture: fake BFL + fake Slack + the whole app (see app-fixture.ts). */
import type { Config } from '../../src/config.ts';
import type { FakeBfl, FakeBflOptions } from '../fakes/bfl-server.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-server.ts';
import { type RunningApp, useRunningApp } from './app-fixture.ts';
import { slackConfig, startSlackApp } from './slack.ts';

export interface SlackAppOptions {
  mode?: 'http' | 'socket';
  bfl?: Partial<FakeBflOptions>;
  config?: (c: Config) => Config;
  /** Capture the app's logs afresh for each setup (`t.logs`); kept across `restart()`. */
  logs?: boolean;
  /** Sets the fakes up before the app starts (e.g. who is a workspace admin). */
  prepare?: (fakes: { bfl: FakeBfl; slack: FakeSlack }) => void;
  /** Start once for the whole file (or describe) instead of before each test. */
  once?: boolean;
}

export interface SlackAppFixture extends RunningApp {
  readonly slack: FakeSlack;
}

export function useSlackApp(options: SlackAppOptions = {}): SlackAppFixture {
  const mode = options.mode ?? 'http';
  const { prepare, ...rest } = options;
  const running = useRunningApp({
    ...rest,
    startPlatform: () => startFakeSlack(),
    ...(prepare ? { prepare: (slack: FakeSlack, bfl: FakeBfl) => prepare({ bfl, slack }) } : {}),
    configFor: (slack, bfl) => slackConfig(slack, bfl, mode),
    startApp: (config, retries, logger) => startSlackApp(config, retries, logger),
    ready: (slack) => (mode === 'socket' ? slack.socketConnected : undefined),
  });
  return Object.defineProperties(running, { slack: { get: () => running.platform } }) as typeof running &
    SlackAppFixture;
}
