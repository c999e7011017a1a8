import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBfl, startFakeBfl } from './fakes/bfl-server.ts';
import { makePng } from './fakes/images.ts';
import { runCli, runProcess } from './support/main-process.ts';

const KEY = 'bfl_test_key_0123456789';
let bfl: FakeBfl;
let dir: string;
beforeAll(async () => {
  bfl = await startFakeBfl({ generationMs: 20 });
  dir = mkdtempSync(join(tmpdir(), 'flux-cli-'));
});
afterAll(() => bfl.close());

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCli(dir, { BFL_API_KEY: KEY, BFL_API_BASE: bfl.url, DATA_DIR: join(dir, 'data'), ...env }, args);

describe('npm run flux', () => {
  it('prints the estimate, progress and cost, and writes the images', async () => {
    const { code, output } = await cli([
      'a red fox',
      '--model',
      'klein-4b',
      '--count',
      '2',
      '--seed',
      '9',
      '--out',
      'fox.png',
    ]);
    expect(code).toBe(0);
    expect(output).toContain('Estimated cost: ~$0.03');
    expect(output).toContain('Seeds: 9, 10');
    expect(output).toContain('Cost charged: $0.09');
    expect(readFileSync(join(dir, 'fox-1.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(readFileSync(join(dir, 'fox-2.png')).length).toBeGreaterThan(0);
    // The output name chose the format.
    const task = [...bfl.tasks.values()].at(-1);
    expect(task?.body.output_format).toBe('png');
  });

  it('exits 2 naming a bad option, and sends nothing', async () => {
    const before = bfl.counts.submits;
    const bad = await cli(['a fox', '--steps', '20']);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain(
      'steps (got 20): allowed only with model flex. Nothing was queued or charged.',
    );
    const unknown = await cli(['a fox', '--colour', 'red']);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('Unknown option --colour');
    expect(bfl.counts.submits).toBe(before);
  });

  // Several runs of the CLI each: a generous limit, since a loaded machine takes seconds per start.
  it('exits 2 naming --seed= or --count= given no value, and sends nothing', async () => {
    const before = bfl.counts.submits;
    const seed = await cli(['a fox', '--model', 'klein-4b', '--seed=']);
    expect(seed.code).toBe(2);
    expect(seed.output).toContain(
      '--seed (got nothing): allowed a whole number from 0 to 4294967295. Nothing was queued or charged.',
    );
    const count = await cli(['a fox', '--count=', '--model', 'klein-4b']);
    expect(count.code).toBe(2);
    expect(count.output).toContain('--count (got nothing): allowed a whole number from 1 to 4.');
    expect(bfl.counts.submits).toBe(before);
  }, 120_000);

  it('exits 2 for --out with no file name (trailing, empty, or followed by a flag), and sends nothing', async () => {
    const before = bfl.counts.submits;
    for (const args of [
      ['a fox', '--model', 'klein-4b', '--out'],
      ['a fox', '--model', 'klein-4b', '--out='],
      ['a fox', '--out', '--model', 'klein-4b'],
    ]) {
      const { code, output } = await cli(args);
      expect(code, args.join(' ')).toBe(2);
      expect(output, args.join(' ')).toContain(
        '--out (got nothing): allowed a file name to write the image to, such as fox.png. Nothing was queued or charged.',
      );
    }
    expect(bfl.counts.submits).toBe(before);
    // Not even a file named after the flag that followed.
    expect(readdirSync(dir)).not.toContain('--model');
  }, 120_000);

  it('exits 2 for a prompt of only invisible characters, and sends nothing', async () => {
    const before = bfl.counts.submits;
    const { code, output } = await cli(['\u200B\u2060\uFEFF', '--model', 'klein-4b']);
    expect(code).toBe(2);
    expect(output).toContain('Please add a prompt');
    expect(bfl.counts.submits).toBe(before);
  }, 60_000);

  it('sends a --ref image file as its bytes', async () => {
    const png = makePng(8, 8);
    writeFileSync(join(dir, 'cat.png'), png);
    const { code } = await cli(['a cat', '--model', 'klein-4b', '--ref', 'cat.png', '--out', 'cat-out.png']);
    expect(code).toBe(0);
    expect([...bfl.tasks.values()].at(-1)?.body.input_image).toBe(png.toString('base64'));
  });

  it('refuses a --ref that is not a regular file of at most 20 MB, or a private link, before reading or sending', async () => {
    const before = bfl.counts.submits;
    execFileSync('mkfifo', [join(dir, 'pipe.png')]);
    const big = join(dir, 'big.png');
    writeFileSync(big, makePng(4, 4));
    truncateSync(big, 21 * 1024 * 1024);
    const cases: Array<[string, string]> = [
      ['/dev/zero', '/dev/zero (a device)'],
      ['pipe.png', 'pipe.png (a pipe)'],
      ['.', '. (a directory)'],
      ['big.png', 'allowed images up to 20 MB'],
      ['http://169.254.169.254/latest/meta-data/x.png', 'not a private or local address'],
    ];
    // Side by side: each run is a whole process start, and none of them reaches the provider. Each has
    // its own DATA_DIR, since one CLI at a time holds a directory's cli.db.
    const runs = await Promise.all(
      cases.map(([ref], i) =>
        cli(['a fox', '--model', 'klein-4b', '--ref', ref], { DATA_DIR: join(dir, `data-ref-${i}`) }),
      ),
    );
    for (const [i, [ref, said]] of cases.entries()) {
      const { code, output } = runs[i] as { code: number | null; output: string };
      expect(code, ref).toBe(2);
      expect(output, ref).toContain(said);
      expect(output, ref).toContain('Nothing was queued or charged.');
    }
    expect(bfl.counts.submits).toBe(before);
  }, 120_000);

  it('exits 1 and says it was not charged when the image is moderated', async () => {
    const { code, output } = await cli(['[content-moderated] a fox', '--model', 'klein-4b']);
    expect(code).toBe(1);
    expect(output).toContain('another seed may pass. Not charged.');
  });

  it('exits 2 with the list of settings when no key is configured', async () => {
    const { code, output } = await cli(['a fox'], { BFL_API_KEY: '' });
    expect(code).toBe(2);
    expect(output).toContain('BFL_API_KEY');
    expect(output).not.toMatch(/at .*\.ts:\d+/);
  });

  it('never prints the API key, even with trace logging', async () => {
    const { code, output } = await cli(['[402] a fox', '--model', 'klein-4b'], { LOG_LEVEL: 'trace' });
    expect(code).toBe(1);
    expect(output).toContain('out of credits');
    expect(output.length).toBeGreaterThan(200);
    expect(output).not.toContain(KEY);
  });
});

describe('npm start', () => {
  it('exits with the list of what to set when nothing is configured, without a stack trace', async () => {
    const start = runProcess('main', dir, {});
    const { code } = await start.exited;
    const stderr = start.stderr();
    expect(code).toBe(78);
    expect(stderr).toContain('Set these in .env');
    for (const name of ['BFL_API_KEY', 'DISCORD_TOKEN', 'SLACK_BOT_TOKEN']) expect(stderr).toContain(name);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
