/**
 * The gateway configured exactly as the seed article's readers will (OPENAI_IMAGES_BASE_URL ending in
 * /v1, no dialect set), driven through `npm run flux` against the loopback gateway of that dialect.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from './fakes/images.ts';
import { type FakeGateway, startFakeGateway } from './fakes/openai-images-server.ts';
import { runCli } from './support/main-process.ts';

const KEY = 'sk-apiyi-reader-0001';
let gw: FakeGateway;
let dir: string;
beforeAll(async () => {
  gw = await startFakeGateway({ apiKey: KEY, dialect: 'seed' });
  dir = mkdtempSync(join(tmpdir(), 'flux-gw-cli-'));
});
afterAll(() => gw.close());

const cli = async (args: string[]) => {
  const { code, output } = await runCli(
    dir,
    {
      FLUX_PROVIDER: 'openai',
      OPENAI_IMAGES_BASE_URL: `${gw.url}/v1`,
      OPENAI_IMAGES_API_KEY: KEY,
      DATA_DIR: join(dir, 'data'),
    },
    args,
  );
  return { code, out: output };
};

describe('npm run flux through the seed article’s gateway', { timeout: 60_000 }, () => {
  it('makes the image with every reference the member gave, links and files', async () => {
    const png = makePng(8, 8);
    writeFileSync(join(dir, 'face.png'), png);
    const { code, out } = await cli([
      'same character in a coffee shop',
      '--ref',
      'https://cdn.example.com/character-1.jpg',
      '--ref',
      'face.png',
      '--out',
      'cafe.png',
    ]);
    expect(out).not.toContain(KEY);
    expect(code).toBe(0);
    const call = gw.received.at(-1);
    expect(call?.path).toBe('/v1/images/generations');
    expect(call?.model).toBe('flux.2-pro');
    expect(call?.references).toEqual([
      { kind: 'url', url: 'https://cdn.example.com/character-1.jpg' },
      { kind: 'bytes', data: png },
    ]);
  });

  it('refuses a side over 2048 naming the option, and sends nothing', async () => {
    const before = gw.calls();
    const { code, out } = await cli(['a wide banner', '--size', '4096x1024']);
    expect(code).toBe(2);
    expect(out).toContain('size');
    expect(out).toContain('at most 2048');
    expect(out).toContain('Nothing was queued or charged');
    expect(gw.calls()).toBe(before);
  });
});

describe('npm run flux -- --credits through a gateway', { timeout: 60_000 }, () => {
  it('says the gateway reports no balance, and exits 0 without calling it', async () => {
    const before = gw.requests.length;
    const { code, out } = await cli(['--credits']);
    expect(out).toBe('Provider balance: not reported by the image gateway\n');
    expect(code).toBe(0);
    expect(gw.requests.length).toBe(before);
  });
});
