/**
 * `npm run verify:image`: performs the Dockerfile's steps without a container engine, so a file the
 * image forgets to COPY, a dev-only import in production, or a wrong CMD fails here and not at deploy.
 *
 * Each stage gets its own empty directory as its root; COPY reads the build context (the repository
 * filtered by .dockerignore) or an earlier stage's root; RUN runs with `sh` in the WORKDIR. System
 * packages (`apt-get` lines) are skipped: this machine has its own compiler and no tini. The final
 * stage's CMD is then started with a minimal configuration, the HEALTHCHECK command is run against
 * it, and SIGTERM must make it exit 0.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

interface Stage {
  name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  cmd?: string[];
  entrypoint?: string[];
  healthcheck?: string[];
}

const repo = resolve(dirname(new URL(import.meta.url).pathname), '..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'flux-image-'));
const say = (line: string) => process.stdout.write(`${line}\n`);

function instructions(dockerfile: string): Array<[string, string]> {
  const joined = dockerfile.replace(/\\\r?\n/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return [op.toUpperCase(), rest.join(' ')];
    });
}

/** The build context: the repository less what .dockerignore leaves out (top-level names, `!` keeps). */
function buildContext(): string {
  const ignore = readFileSync(join(repo, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const excluded = (name: string) => {
    let out = false;
    for (const rule of ignore) {
      const negate = rule.startsWith('!');
      const pattern = (negate ? rule.slice(1) : rule).replace(/\/$/, '');
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      if (re.test(name)) out = !negate;
    }
    return out;
  };
  const context = join(work, 'context');
  mkdirSync(context);
  for (const name of readdirSync(repo)) {
    if (!excluded(name)) cpSync(join(repo, name), join(context, name), { recursive: true });
  }
  return context;
}

const inRoot = (stage: Stage, path: string) =>
  join(stage.root, path.startsWith('/') ? path : join(stage.workdir, path));

function copy(stage: Stage, args: string, context: string, stages: Map<string, Stage>): void {
  const parts = args.split(/\s+/);
  const from = parts[0]?.startsWith('--from=') ? parts.shift()?.slice(7) : undefined;
  const dest = parts.pop() ?? '.';
  const source = from === undefined ? undefined : stages.get(from);
  if (from !== undefined && !source) throw new Error(`COPY --from=${from}: no such stage`);
  for (const src of parts) {
    const path = source ? join(source.root, src) : join(context, src);
    if (!existsSync(path)) throw new Error(`COPY ${src}: not in the ${from ? `stage ${from}` : 'build context'}`);
    // As Docker does: a directory's contents go into the destination; a file goes into a destination
    // directory (`./`, or several sources) under its own name.
    const intoDir = dest.endsWith('/') || dest === '.' || parts.length > 1;
    const target = statSync(path).isDirectory() || !intoDir ? inRoot(stage, dest) : join(inRoot(stage, dest), basename(path));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(path, target, { recursive: true });
  }
}

function jsonArray(text: string): string[] {
  const parsed: unknown = JSON.parse(text.replace(/^CMD\s+/, ''));
  if (!Array.isArray(parsed)) throw new Error(`expected the exec (JSON array) form, got ${text}`);
  return parsed.map(String);
}

function build(): Stage {
  const context = buildContext();
  const stages = new Map<string, Stage>();
  let stage: Stage | undefined;
  let n = 0;
  for (const [op, args] of instructions(readFileSync(join(repo, 'Dockerfile'), 'utf8'))) {
    if (op === 'FROM') {
      const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? `stage-${n}`;
      stage = { name, root: join(work, `stage-${n++}-${name}`), workdir: '/', env: {} };
      mkdirSync(stage.root);
      stages.set(name, stage);
      say(`FROM ${args}`);
      continue;
    }
    if (!stage) throw new Error(`${op} before FROM`);
    switch (op) {
      case 'WORKDIR':
        stage.workdir = args;
        mkdirSync(inRoot(stage, '.'), { recursive: true });
        break;
      case 'ENV':
        for (const pair of args.split(/\s+/)) {
          const [k, ...v] = pair.split('=');
          if (k) stage.env[k] = v.join('=');
        }
        break;
      case 'COPY':
        say(`  COPY ${args}`);
        copy(stage, args, context, stages);
        break;
      case 'RUN':
        if (/apt-get/.test(args)) {
          say(`  RUN (skipped: system packages) ${args.slice(0, 70)}…`);
          break;
        }
        say(`  RUN ${args}`);
        execFileSync('sh', ['-c', args], {
          cwd: inRoot(stage, '.'),
          stdio: ['ignore', 'ignore', 'inherit'],
          env: { ...process.env, ...stage.env },
        });
        break;
      case 'CMD':
        stage.cmd = jsonArray(args);
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = jsonArray(args);
        break;
      case 'HEALTHCHECK':
        stage.healthcheck = jsonArray(args.slice(args.indexOf('CMD') + 3).trim());
        break;
      default:
        break; // USER, VOLUME, EXPOSE, ARG, LABEL: nothing to do outside a container
    }
  }
  if (!stage?.cmd) throw new Error('the final stage has no CMD');
  return stage;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

async function run(stage: Stage): Promise<void> {
  const port = await freePort();
  const [bin = 'node', ...args] = stage.cmd ?? [];
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const env = {
    PATH: process.env.PATH ?? '',
    ...stage.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    // A minimal valid configuration that contacts nothing at start: Discord in HTTP-interactions mode.
    BFL_API_KEY: 'bfl_verify_image_key',
    BFL_API_BASE: 'http://127.0.0.1:9',
    DISCORD_MODE: 'http',
    DISCORD_TOKEN: 'verify.image.token.not.real',
    DISCORD_APPLICATION_ID: '100000000000000001',
    DISCORD_PUBLIC_KEY: '0'.repeat(64),
    DISCORD_API_BASE: 'http://127.0.0.1:9/api',
    LOG_LEVEL: 'info',
  };
  say(`start: ${[bin, ...args].join(' ')} (PORT=${port})`);
  const child = spawn(bin, args, { cwd: inRoot(stage, '.'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  try {
    const deadline = Date.now() + 60_000;
    let healthy = false;
    while (!healthy && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 250));
      try {
        execFileSync(stage.healthcheck?.[0] ?? 'false', stage.healthcheck?.slice(1) ?? [], {
          env,
          stdio: 'ignore',
          timeout: 5_000,
        });
        healthy = true;
      } catch {}
    }
    if (!healthy) throw new Error(`the HEALTHCHECK never passed; the process said:\n${output}`);
    say('HEALTHCHECK passed (liveness route answered)');
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]);
    if (code !== 0) throw new Error(`SIGTERM: expected exit 0, got ${String(code)}; the process said:\n${output}`);
    say('SIGTERM: exited 0');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

try {
  const final = build();
  await run(final);
  say(`image steps verified${keep ? ` (kept in ${work})` : ''}`);
} catch (err) {
  process.stderr.write(`verify:image failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
}
