/** `npm start` (src/main.ts) or the CLI as a real child process, with what it printed and how it ended. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface Run {
  child: ChildProcess;
  output: () => string;
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
  const listeners: Array<() => void> = [];
  const collect = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => out,
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
