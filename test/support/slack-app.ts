/**
 * The one Slack app fixture: fake BFL + fake Slack + the whole app, in this process (see app-fixture.ts) or
 * as `npm start` child processes.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Config } from '../../src/config.ts';
import { type FakeBfl, type FakeBflOptions, startFakeBfl } from '../fakes/bfl-server.ts';
import { type FakeSlack, type SlackMessage, startFakeSlack } from '../fakes/slack-server.ts';
import { need, type RunningApp, useRunningApp } from './app-fixture.ts';
import { type Run, runProcess } from './main-process.ts';
import { SECRET, slackConfig, startSlackApp } from './slack.ts';
import { until } from './until.ts';

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

/** Result messages (a share: images with their details and buttons), oldest first. */
export const resultMessages = (slack: FakeSlack): SlackMessage[] =>
  [...slack.messages.values()].filter((m) => m.files?.length && JSON.stringify(m.blocks).includes('flux:'));

/**
 * The `n`th result message once its job is recorded delivered: Slack shows the message a moment before the
 * bot has learnt where it is and stored the result's links (what "Use as reference" reads).
 */
export async function deliveredResult(t: SlackAppFixture, n = 0): Promise<SlackMessage> {
  const message = await until(() => resultMessages(t.slack)[n], 10_000, `result ${n + 1}`);
  const jobId = JSON.stringify(message.blocks).match(/flux:delete:([0-9a-f-]+)/)?.[1] ?? '';
  await until(async () => (await t.app.jobs.get(jobId))?.state === 'delivered', 10_000, 'delivered');
  return message;
}

/**
 * Fake BFL and fake Slack for the whole file, and `npm start` (or the CLI) run as a Slack HTTP-mode bot
 * against them; whatever a test started and left running is killed after it.
 */
export function useSlackBotProcesses(bflOptions: Partial<FakeBflOptions> = {}) {
  let bfl: FakeBfl | undefined;
  let slack: FakeSlack | undefined;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    bfl = await startFakeBfl(bflOptions);
    slack = await startFakeSlack();
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await bfl?.close();
    await slack?.close();
  });
  const fakes = {
    get bfl() {
      return need(bfl, 'fake BFL');
    },
    get slack() {
      return need(slack, 'fake Slack');
    },
    run(
      script: 'main' | 'cli',
      cwd: string,
      dataDir: string,
      options: { env?: Record<string, string>; args?: string[] } = {},
    ): Run {
      const run = runProcess(
        script,
        cwd,
        {
          BFL_API_KEY: 'bfl_test_key_0123456789',
          BFL_API_BASE: fakes.bfl.url,
          SLACK_BOT_TOKEN: fakes.slack.botToken,
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_API_URL: fakes.slack.apiUrl,
          PORT: '0',
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          ...options.env,
        },
        options.args,
      );
      children.push(run.child);
      return run;
    },
  };
  return fakes;
}
