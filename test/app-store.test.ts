/**
 * The whole app with its store in trouble, over the fake BFL: health answers on the real HTTP server,
 * and /flux refuses in words once the database file is gone, with nothing sent to the provider.
 */
import { mkdtempSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.ts';
import { createCliContext } from '../src/bots/cli/context.ts';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/core/logger.ts';
import { type FakeBfl, startFakeBfl } from './fakes/bfl-server.ts';
import { until } from './support/until.ts';

let bfl: FakeBfl;
let app: App | undefined;
beforeEach(async () => {
  bfl = await startFakeBfl({ generationMs: 20 });
});
afterEach(async () => {
  await app?.stop();
  app = undefined;
  await bfl.close();
});

async function health(port: number, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the bot when its database file is removed', () => {
  it('stays live, turns not ready naming the store problem, and refuses /flux saying nothing was charged', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flux-app-'));
    const config = loadConfig(
      {
        BFL_API_KEY: 'bfl_test_key_0123456789',
        BFL_API_BASE: bfl.url,
        DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
      },
      'cli',
    );
    app = await createApp({ config, logger: silentLogger(), storeUpkeepMs: 10 });
    const { port } = await app.start();
    expect(await health(port, '/readyz')).toMatchObject({ status: 200, body: { ok: true, store: 'ok' } });

    unlinkSync(join(dataDir, 'flux.db'));
    const ready = await until(
      async () => {
        const r = await health(port, '/readyz');
        return r.status !== 200 && r;
      },
      10_000,
      'readiness to drop',
    );
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ ok: false, store: [{ problem: 'file_removed' }] });
    expect((await health(port, '/healthz')).status).toBe(503);
    expect(await health(port, '/livez')).toMatchObject({ status: 200, body: { ok: true } });

    const lines: string[] = [];
    const ctx = createCliContext({ output: { write: (line) => void lines.push(line) } });
    const job = await app.commands.run('flux', ctx, { input: { prompt: 'a fox', model: 'klein-4b' } });
    expect(job).toBeUndefined();
    await until(() => lines.some((l) => l.includes('storage is unavailable')), 5_000, 'the refusal');
    expect(lines.join('')).toContain('Nothing was charged.');
    expect(bfl.counts.submits).toBe(0);
  });
});
