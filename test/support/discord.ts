/** Builds interactions, signs them, and runs the whole app with the Discord bot against the fakes. */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { type App, createApp } from '../../src/app.ts';
import { createDiscordBot } from '../../src/bots/discord/index.ts';
import type { RawAttachment, RawInteraction, RawOption } from '../../src/bots/discord/payload.ts';
import type { Config } from '../../src/config.ts';
import { type Logger, silentLogger } from '../../src/core/logger.ts';
import type { FakeBfl } from '../fakes/bfl-server.ts';
import { type FakeDiscord, type FakeMessage, snowflake } from '../fakes/discord-server.ts';
import { botConfig } from './app-fixture.ts';

export const APP_ID = '100000000000000002';
export const GUILD = '200000000000000001';
export const CHANNEL = '300000000000000001';

export function keyPair(): { privateKey: KeyObject; publicHex: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    publicHex: publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex'),
  };
}

export interface Who {
  id?: string;
  name?: string;
  permissions?: string;
}

function base(
  type: number,
  who: Who = {},
  opts: { guild?: boolean; channelType?: number; uploadLimit?: number } = {},
): RawInteraction {
  const user = {
    id: who.id ?? '400000000000000001',
    username: who.name ?? 'ana',
    global_name: who.name ?? 'Ana',
  };
  const raw: RawInteraction = {
    id: snowflake(),
    application_id: APP_ID,
    type,
    token: `itok-${snowflake()}`,
    channel: { id: CHANNEL, type: opts.channelType ?? 0 },
    channel_id: CHANNEL,
    attachment_size_limit: opts.uploadLimit ?? 10 * 1024 * 1024,
  };
  if (opts.guild === false) raw.user = user;
  else {
    raw.guild_id = GUILD;
    raw.member = { user, permissions: who.permissions ?? '0' };
  }
  return { ...raw, entitlements: [], authorizing_integration_owners: {} } as RawInteraction;
}

export function slash(
  options: Record<string, string | number | boolean>,
  who?: Who,
  opts?: Parameters<typeof base>[2] & { attachments?: RawAttachment[] },
): RawInteraction {
  const raw = base(2, who, opts);
  const list: RawOption[] = Object.entries(options).map(([name, value]) => ({
    name,
    type: typeof value === 'number' ? 4 : typeof value === 'boolean' ? 5 : 3,
    value,
  }));
  const attachments: Record<string, RawAttachment> = {};
  (opts?.attachments ?? []).forEach((a, i) => {
    attachments[a.id] = a;
    list.push({ name: i === 0 ? 'image' : `image${i + 1}`, type: 11, value: a.id });
  });
  raw.data = { name: 'flux', type: 1, options: list, resolved: { attachments } };
  return raw;
}

export function button(customId: string, who?: Who): RawInteraction {
  const raw = base(3, who);
  raw.data = { custom_id: customId };
  return raw;
}

export function modalSubmit(customId: string, values: Record<string, string>, who?: Who): RawInteraction {
  const raw = base(5, who);
  raw.data = {
    custom_id: customId,
    components: Object.entries(values).map(([k, v]) => ({ components: [{ custom_id: k, value: v }] })),
  };
  return raw;
}

export function messageCommand(attachments: RawAttachment[], who?: Who): RawInteraction {
  const raw = base(2, who);
  const target = snowflake();
  raw.data = {
    name: 'Edit with FLUX',
    type: 3,
    target_id: target,
    resolved: { messages: { [target]: { id: target, attachments } } },
  };
  return raw;
}

export function autocomplete(partial: string, model?: string): RawInteraction {
  const raw = base(4);
  const options: RawOption[] = [{ name: 'size', type: 3, value: partial, focused: true }];
  if (model) options.push({ name: 'model', type: 3, value: model });
  raw.data = { name: 'flux', type: 1, options };
  return raw;
}

export function attachment(name = 'ref.png', size = 1000, type = 'image/png'): RawAttachment {
  return {
    id: snowflake(),
    filename: name,
    url: `https://cdn.discordapp.com/attachments/1/2/${name}`,
    size,
    content_type: type,
    width: 512,
    height: 512,
  };
}

export function discordConfig(
  discord: FakeDiscord,
  bfl: FakeBfl,
  mode: 'http' | 'gateway',
  publicHex?: string,
  dataDir?: string,
): Config {
  return botConfig(
    bfl,
    {
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: APP_ID,
      DISCORD_MODE: mode,
      DISCORD_PUBLIC_KEY: publicHex ?? '',
      DISCORD_API_BASE: discord.api,
      LOG_LEVEL: 'silent',
    },
    dataDir,
  );
}

export async function startDiscordApp(
  config: Config,
  now?: () => number,
  logger?: Logger,
): Promise<{ app: App; port: number }> {
  const discord = config.discord as NonNullable<Config['discord']>;
  const app = await createApp({
    config,
    logger:
      logger ??
      (process.env.TEST_LOG
        ? (await import('../../src/core/logger.ts')).createLogger({ level: 'debug' })
        : silentLogger()),
    frontEnds: [(deps) => createDiscordBot(discord, { ...deps, ...(now ? { now } : {}) })],
  });
  const { port } = await app.start();
  return { app, port };
}

/**
 * POSTs a signed interaction the way Discord does; returns the HTTP status and JSON answer. `at` is when
 * Discord signed it (ms; default now — a test that moves the bot's clock passes the moved time), `body`
 * replaces the JSON (signed all the same), `tamper` breaks the signature.
 */
export async function post(
  port: number,
  raw: RawInteraction,
  key: KeyObject,
  opts: { tamper?: boolean; at?: number; body?: string } = {},
): Promise<{ status: number; body: unknown; ms: number }> {
  const { tamper = false } = opts;
  const body = opts.body ?? JSON.stringify(raw);
  const timestamp = String(Math.floor((opts.at ?? Date.now()) / 1000));
  const signature = sign(null, Buffer.from(timestamp + (tamper ? `${body} ` : body)), key).toString('hex');
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/discord/interactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature-ed25519': signature,
      'x-signature-timestamp': timestamp,
    },
    body,
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  return { status: res.status, body: text ? JSON.parse(text) : undefined, ms };
}

export { until } from './until.ts';

/**
 * A prompt made of every construct Discord renders as markup or a mention, each around its own word so
 * that finding it cannot be confused with the bot's own formatting. Slash options are one line; modal
 * fields may hold several, where the line-start constructs (headings, subtext, lists, quotes) live.
 */
export const HOSTILE_PROMPT =
  'hi @everyone @here <@&500000000000000001> <@400000000000000002> <#300000000000000009> <t:1700000000:R> ' +
  '[click me](http://evil.example) [second](http://evil.example/2) **bold** *it* __under__ ~~strike~~ ' +
  '||spoiler|| `code` https://bare.example # Heading';
export const HOSTILE_LINES =
  '# Heading\n## Sub\n-# small\n- item\n* star\n1. one\n> quote\n>>> rest\n[click me](http://evil.example) <@400000000000000002>';

const CONSTRUCTS: Array<[string, RegExp]> = [
  ['masked link', /\[(?:click me|second)\]\(/],
  ['bare link', /https?:\/\/(?:bare|evil)/],
  ['user mention', /<@!?\d+>/],
  ['role mention', /<@&\d+>/],
  ['channel mention', /<#\d+>/],
  ['timestamp', /<t:\d+(?::\w)?>/],
  ['heading', /^ {0,2}#{1,3} (?:Heading|Sub)/m],
  ['subtext', /^ *-# small/m],
  ['bulleted list', /^ *[-*] (?:item|star)/m],
  ['numbered list', /^ *1\. one/m],
  ['quote', /^ *>{1,3} (?:quote|rest)/m],
  ['bold', /\*\*bold\*\*/],
  ['italic', /\*it\*/],
  ['underline', /__under__/],
  ['strikethrough', /~~strike~~/],
  ['spoiler', /\|\|spoiler\|\|/],
  ['inline code', /`code`/],
];

/**
 * The constructs of the hostile prompts that Discord would render live in `text` (message content,
 * embed description, field): a backslash before ASCII punctuation shows that character as plain text,
 * as Discord's markdown does, so escaped characters are set aside before looking.
 */
export function liveMarkup(text: string): string[] {
  const plain = text.replace(/\\[!-/:-@[-`{-~]/g, '\uE000');
  return CONSTRUCTS.filter(([, re]) => re.test(plain)).map(([name]) => name);
}

/**
 * The same, for unescaped text that quotes values in code spans (private replies): Discord shows a
 * code span's inside literally, so spans are set aside first, matched as Discord's markdown does — a
 * run of backticks closed by a run of the same length.
 */
export function liveMarkupOutsideCode(text: string): string[] {
  return liveMarkup(text.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, '\uE000'));
}

/** Everything a member reads in a message: its content, embeds and button labels. */
export const messageText = (m: FakeMessage | undefined): string =>
  m
    ? [
        m.content,
        JSON.stringify(m.embeds),
        m.components.flatMap((r) => r.components.map((c) => c.label)).join(' '),
      ].join(' ')
    : '';
