/**
 * `npm run discord:register` as a person runs it: a process with only its environment, against the fake
 * Discord. It PUTs the list derived from the one /flux definition, and says where.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCommands } from '../../../src/bots/discord/commands.ts';
import { FLUX_OPTIONS } from '../../../src/commands/flux/definition.ts';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/discord-server.ts';
import { APP_ID, GUILD } from '../../support/discord.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(root, 'src/bots/discord/register.ts');
const loader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;

let discord: FakeDiscord;
beforeEach(async () => {
  discord = await startFakeDiscord();
});
afterEach(() => discord.close());

/** Runs the script in an empty directory (no .env), with just these variables. */
function register(env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', loader, script], {
    cwd: mkdtempSync(join(tmpdir(), 'flux-register-')),
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

describe('npm run discord:register', () => {
  it('PUTs /flux and its siblings to one guild, derived from the option definition', async () => {
    const run = await register({
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: APP_ID,
      DISCORD_GUILD_ID: GUILD,
      DISCORD_API_BASE: discord.api,
    });
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toBe(
      `Registered 6 commands for guild ${GUILD}: flux, Edit with FLUX, flux-usage, flux-show, flux-history, flux-admin\n`,
    );
    const puts = discord.calls.filter((c) => c.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]?.path).toBe(`/applications/${APP_ID}/guilds/${GUILD}/commands`);
    expect(puts[0]?.auth).toBe(`Bot ${discord.token}`);
    expect(puts[0]?.body).toEqual(JSON.parse(JSON.stringify(buildCommands())));
    const body = (puts[0]?.body ?? []) as Array<{ name: string; options: Array<Record<string, unknown>> }>;
    const flux = body[0];
    // Every option of the definition, with its limits and choices, and nothing written twice.
    for (const def of FLUX_OPTIONS) {
      const option = flux?.options.find((o) => o.name === def.name);
      expect(option, def.name).toBeDefined();
      if (def.min !== undefined) expect(option?.min_value).toBe(def.min);
      if (def.max !== undefined) expect(option?.max_value).toBe(def.max);
      if (def.choices) expect(option?.choices).toEqual(def.choices.map((c) => ({ name: c, value: c })));
    }
    expect(flux?.options.filter((o) => o.type === 11).map((o) => o.name)).toEqual([
      'image',
      'image2',
      'image3',
      'image4',
    ]);
  });

  it('registers globally without a guild', async () => {
    const run = await register({
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: APP_ID,
      DISCORD_API_BASE: discord.api,
    });
    expect(run.code).toBe(0);
    expect(run.out).toContain('global');
    expect(discord.calls.find((c) => c.method === 'PUT')?.path).toBe(`/applications/${APP_ID}/commands`);
  });

  it('names what is missing, never echoes the token, and PUTs nothing', async () => {
    const run = await register({ DISCORD_TOKEN: discord.token, DISCORD_API_BASE: discord.api });
    expect(run.code).toBe(2);
    expect(run.err).toContain('DISCORD_APPLICATION_ID');
    expect(run.err + run.out).not.toContain(discord.token);
    expect(discord.calls).toEqual([]);
  });
});
