/** `npm run flux -- --credits`: the provider account's balance, against the loopback BFL. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBfl, startFakeBfl } from './fakes/bfl-server.ts';
import { type Run, runCli } from './support/main-process.ts';

const KEY = 'bfl_test_key_credits_42';
let bfl: FakeBfl;
let dir: string;
beforeAll(async () => {
  bfl = await startFakeBfl({ apiKey: KEY });
  dir = mkdtempSync(join(tmpdir(), 'flux-credits-'));
});
afterAll(() => bfl.close());

const cli = (args: string[], watch?: (run: Run) => void) =>
  runCli(
    dir,
    { BFL_API_KEY: KEY, BFL_API_BASE: bfl.url, DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'trace' },
    args,
    watch,
  );

describe('npm run flux -- --credits', { timeout: 60_000 }, () => {
  it('prints the balance in dollars and credits and exits 0, never the key, submitting nothing', async () => {
    bfl.configure({ credits: 1234.5, creditsStatus: undefined });
    const { code, stdout, stderr } = await cli(['--credits']);
    expect(stdout).toBe('Provider balance: $12.35 (1234.5 credits)\n');
    expect(code).toBe(0);
    expect(stdout + stderr).not.toContain(KEY);
    expect(bfl.counts.credits).toBeGreaterThan(0);
    expect(bfl.counts.submits).toBe(0);
  });

  it('says the balance is unavailable and exits 1 when BFL cannot tell', async () => {
    bfl.configure({ creditsStatus: 500 });
    const { code, stdout, stderr } = await cli(['--credits']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('Provider balance unavailable: BFL credits: HTTP 500');
    expect(stdout + stderr).not.toContain(KEY);
  });

  it('a job waits while the account is out of credits, says why, and finishes once credits are added', async () => {
    bfl.configure({ outOfCredits: true, credits: 0, creditsStatus: undefined });
    let toppedUp = false;
    const { code, stderr } = await cli(['a patient fox', '--model', 'klein-4b', '--out', 'fox.png'], (run) =>
      run.says('the provider account is out of credits').then(
        () => {
          toppedUp = true;
          bfl.configure({ outOfCredits: false, credits: 100 });
        },
        () => {}, // It ended without saying so: toppedUp stays false and the test fails below.
      ),
    );
    expect(stderr).toContain('Waiting · the provider account is out of credits');
    expect(toppedUp).toBe(true);
    expect(code).toBe(0);
    expect(stderr).toContain('Wrote fox.png');
    expect(stderr).not.toContain(KEY);
  });
});
