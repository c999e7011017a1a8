/** `npm start` (src/main.ts) or the CLI as a real child process, with what it printed and how it ended. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type FakeBfl, type FakeBflOptions, startFakeBfl } from '../fakes/bfl-server.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-server.ts';
import { need } from './app-fixture.ts';
import { SECRET } from './slack.ts';

export interface Run {
  child: ChildProcess;
  /** stdout and stderr together, in the order they came. */
  output: () => string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when the output contains `text`. */
  says(text: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runProcess(
  script: 'main' | 'cli',
  cwd: string,
  env: Record<string, string>,
  args: string[] = [],
): Run {
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(process.cwd(), `src/${script}.ts`), ...args],
    { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const streams = { stdout: '', stderr: '' };
  const listeners: Array<() => void> = [];
  const collect = (stream: keyof typeof streams) => (d: Buffer) => {
    out += d.toString();
    streams[stream] += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => out,
    stdout: () => streams.stdout,
    stderr: () => streams.stderr,
    exited,
    says: (text) =>
      new Promise((resolve, reject) => {
        const check = () => out.includes(text) && resolve();
        listeners.push(check);
        check();
        void exited.then(() => reject(new Error(`exited before saying "${text}": ${out}`)));
      }),
  };
}

/** The port a started bot listens on, from its "flux-bot started" log line. */
export async function startedPort(run: Run): Promise<number> {
  await run.says('flux-bot started');
  const line = run
    .output()
    .split('\n')
    .find((l) => l.includes('flux-bot started'));
  return (JSON.parse(line ?? '{}') as { port: number }).port;
}

export interface Ran {
  code: number | null;
  output: string;
  stdout: string;
  stderr: string;
}

/** Runs `npm run flux` to its end; `watch` sees the run while it goes (to act on what it says). */
export async function runCli(
  cwd: string,
  env: Record<string, string>,
  args: string[],
  watch?: (run: Run) => void,
): Promise<Ran> {
  const run = runProcess('cli', cwd, env, args);
  watch?.(run);
  const { code } = await run.exited;
  return { code, output: run.output(), stdout: run.stdout(), stderr: run.stderr() };
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
