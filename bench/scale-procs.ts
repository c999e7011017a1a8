/**
 * The processes of the scale bench: flux-bot started as `npm start` starts it (src/main.ts, configured by
 * environment only, in an empty working directory so no .env is read), each logging to a file of its
 * own so its log lines cost the bench nothing; a Redis database index of the bench's own, flushed at the
 * end (its Postgres database comes from the tests' helper, test/core/store/postgres-db.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestRedis } from '../test/core/queue/redis-db.ts';

const REPO = process.cwd();

export interface BotProcess {
  name: string;
  port: number;
  child: ChildProcess;
  logFile: string;
  /** Lines of log written so far. */
  logLines(): number;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs` + 10 s. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Workspace {
  dir: string;
  remove(): void;
}

export function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'flux-scale-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `src/main.ts` with exactly `env` (plus PATH) and resolves with its port once it logs
 * "flux-bot started". `nodeArgs` go before the script (e.g. --cpu-prof).
 */
export async function startBot(
  ws: Workspace,
  name: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<BotProcess> {
  const cwd = join(ws.dir, name);
  mkdirSync(cwd, { recursive: true });
  const logFile = join(ws.dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', import.meta.resolve('tsx'), join(REPO, 'src/main.ts')],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '', DATA_DIR: join(cwd, 'data'), ...env },
      stdio: ['ignore', fd, fd],
    },
  );
  closeSync(fd);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let over = false;
  void exited.then(() => {
    over = true;
  });
  const read = () => readFileSync(logFile, 'utf8');
  const deadline = Date.now() + 60_000;
  let port: number | undefined;
  while (port === undefined) {
    const line = read()
      .split('\n')
      .find((l) => l.includes('flux-bot started'));
    if (line) port = (JSON.parse(line) as { port: number }).port;
    else if (over || Date.now() > deadline) {
      if (!over) child.kill('SIGKILL');
      throw new Error(`${name} did not start:\n${read().slice(-3_000)}`);
    } else await sleep(50);
  }
  return {
    name,
    port,
    child,
    logFile,
    logLines: () => read().split('\n').length - 1,
    async stop() {
      if (!over) child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const end = await exited;
      clearTimeout(kill);
      return end;
    },
  };
}

/** The last lines of a bot's log that are warnings or errors (pino levels ≥ 40), for a failed run. */
export function logProblems(bot: BotProcess, max = 5): string[] {
  return readFileSync(bot.logFile, 'utf8')
    .split('\n')
    .filter((l) => /"level":(4|5|6)\d/.test(l))
    .slice(-max);
}

export interface BenchRedis {
  url: string;
  host: string;
  port: number;
  db: number;
  close(): Promise<void>;
}

/** An empty Redis database index (1–15) of the bench's own, flushed before and after. */
export async function freshRedis(): Promise<BenchRedis> {
  const redis = await openTestRedis();
  if (!redis) throw new Error('the scale bench needs Redis at 127.0.0.1:6379');
  const { host, port, db } = redis.connection;
  return { url: `redis://${host}:${port}/${db}`, host, port, db, close: () => redis.close() };
}
