/**
 * `npm start` (src/main.ts), the CLI or a test's own child script (test/support/*-child.ts) as a real child
 * process, with what it printed and how it ended.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

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
  script: 'main' | 'cli' | `test/support/${string}-child.ts`,
  cwd: string,
  env: Record<string, string>,
  args: string[] = [],
): Run {
  const file = script.startsWith('test/') ? script : `src/${script}.ts`;
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(process.cwd(), file), ...args],
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
