/**
 * `npm start` (src/main.ts) as real processes on one DATA_DIR: one bot per directory, the lock gone with
 * a killed holder, the CLI beside a running bot, and a directory the database cannot live in refused at
 * start-up with a message instead of a hang.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Run } from './support/main-process.ts';
import { useSlackBotProcesses } from './support/slack-app.ts';

const fakes = useSlackBotProcesses({ generationMs: 20 });
let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'flux-main-')); // No .env here.
});

const run = (script: 'main' | 'cli', dataDir: string, args: string[] = []): Run =>
  fakes.run(script, cwd, dataDir, { args });

describe('one bot per DATA_DIR', () => {
  it('makes a second bot exit at once naming the directory and the holder, lets the CLI run beside it, and frees the directory when the holder is killed', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'flux-lock-')), 'data');
    const first = run('main', dataDir);
    await first.says('flux-bot started');

    const second = run('main', dataDir);
    const { code } = await second.exited;
    expect(code).not.toBe(0);
    expect(second.output()).toContain(
      `DATA_DIR ${dataDir} is in use by another flux-bot process (pid ${first.child.pid})`,
    );
    expect(second.output()).not.toContain('flux-bot started');

    // The CLI keeps its own database in the same directory, and is not blocked by the running bot.
    const cli = run('cli', dataDir, ['a red fox', '--model', 'klein-4b', '--out', join(cwd, 'fox.png')]);
    expect((await cli.exited).code).toBe(0);

    first.child.kill('SIGKILL');
    await first.exited;
    const third = run('main', dataDir);
    await third.says('flux-bot started');
    third.child.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
  }, 180_000); // Four Node processes start here; on a loaded machine each takes many seconds.
});

describe('a DATA_DIR the database cannot live in', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['under procfs (used to spin a core forever)', () => '/proc/self/flux-data', /cannot be created/],
    ['a pseudo filesystem directory', () => '/proc/self', /is not writable/],
    [
      'a file, not a directory',
      () => {
        const file = join(mkdtempSync(join(tmpdir(), 'flux-file-')), 'data');
        writeFileSync(file, 'not a directory');
        return file;
      },
      /is not a directory/,
    ],
  ];
  for (const [name, dir, why] of cases) {
    it(`fails start-up with a message naming it: ${name}`, async () => {
      const dataDir = dir();
      const bot = run('main', dataDir);
      const timer = setTimeout(() => bot.child.kill('SIGKILL'), 60_000);
      const { code, signal } = await bot.exited;
      clearTimeout(timer);
      expect(signal).toBeNull(); // It ended by itself.
      expect(code).not.toBe(0);
      expect(bot.output()).toContain(`flux-bot failed to start: DATA_DIR ${dataDir}`);
      expect(bot.output()).toMatch(why);
      expect(bot.output()).not.toContain('flux-bot started');
    }, 90_000);
  }
});
