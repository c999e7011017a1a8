/** The Discord context alone, against the fake Discord: throttled card edits, credentials, references. */

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDiscordContext, type DiscordDelivery } from '../../../src/bots/discord/context.ts';
import { attachmentAccess } from '../../../src/bots/discord/references.ts';
import { createDiscordRest } from '../../../src/bots/discord/rest.ts';
import type { CommandContext } from '../../../src/commands/context.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import { type FakeDiscord, signedLink, startFakeDiscord } from '../../fakes/discord-server.ts';
import { APP_ID, CHANNEL, GUILD } from '../../support/discord.ts';
import { statusCard } from '../../support/fake-context.ts';

let discord: FakeDiscord;
let http: ReturnType<typeof createHttp>;
let clock: number;
let token: string;

beforeEach(async () => {
  discord = await startFakeDiscord();
  http = createHttp();
  // Real time: the fake CDN judges link expiry by its own clock.
  clock = Date.now();
  token = `itok-${discord.snowflake()}`;
  discord.bindToken(token, CHANNEL);
});
afterEach(async () => {
  await http.close();
  await discord.close();
});

function context(patch: Partial<DiscordDelivery> = {}): CommandContext {
  const rest = createDiscordRest(discord.api, discord.token, http.dispatcher);
  const delivery: DiscordDelivery = {
    appId: APP_ID,
    channelId: CHANNEL,
    guildId: GUILD,
    token,
    tokenExpiresAt: clock + 600_000,
    original: 'deferred',
    uploadLimit: 10 * 1024 * 1024,
    ...patch,
  };
  const attachments = attachmentAccess(discord.api, http);
  return createDiscordContext({ rest, logger: silentLogger(), now: () => clock, attachments }, delivery, {
    id: '400000000000000001',
    name: 'Ana',
    isAdmin: false,
  });
}

const card = (status: string, summary?: string) => statusCard(status, summary);
const cardEdits = () => discord.calls.filter((c) => c.method === 'PATCH').map((c) => JSON.stringify(c.body));

describe('the Discord context', () => {
  it('sends only the latest of the card states that come within a second, and a final state at once', async () => {
    const ctx = context();
    await ctx.showCard(card('Queued'));
    // The first card's first edit completes it (its place in line): it goes at once.
    await ctx.showCard(card('Queued · #3 in line'));
    await ctx.showCard(card('Queued · #2 in line'));
    await ctx.showCard(card('Generating · 1 s'));
    expect(cardEdits()).toHaveLength(2);
    await ctx.showCard(card('Done', 'Done in 1.2 s · $0.014 · see thread'));
    const edits = cardEdits();
    expect(edits).toHaveLength(3);
    expect(edits[0]).toContain('Queued');
    expect(edits[1]).toContain('#3 in line');
    expect(edits[2]).toContain('Done in 1.2 s');
    expect(edits.join()).not.toContain('Generating');
    expect(edits.join()).not.toContain('#2 in line');
  });

  it('sends a live state at once when the last edit is a second old', async () => {
    const ctx = context();
    await ctx.showCard(card('Queued · #3 in line'));
    clock += 1_001;
    await ctx.showCard(card('Generating · 1 s'));
    expect(cardEdits()).toHaveLength(2);
    expect(cardEdits()[1]).toContain('Generating');
  });

  it('drops a token Discord rejects: the card is edited with the bot token, and the token is not kept', async () => {
    const ctx = context();
    await ctx.showCard(card('Queued · #1 in line'));
    discord.expiredTokens.add(token);
    clock += 5_000;
    await ctx.showCard(card('Done', 'Done in 2.0 s · $0.014 · see thread'));
    const cardId = discord.originalOf(token)?.id;
    expect(discord.calls.at(-1)).toMatchObject({
      method: 'PATCH',
      path: `/channels/${CHANNEL}/messages/${cardId}`,
      auth: `Bot ${discord.token}`,
    });
    expect(discord.originalOf(token)?.content).toContain('Done in 2.0 s');
    const stored = JSON.parse(JSON.stringify(ctx.delivery())) as Record<string, unknown>;
    expect(stored.token).toBeUndefined();
    expect(stored.cardId).toBe(cardId);
  });

  it('keeps links as links, renews only signed Discord links near their expiry, and refuses non-links', async () => {
    const ctx = context();
    const fresh = signedLink(
      `${discord.api.replace('/api', '')}/cdn/attachments/1/2/a.png`,
      24 * 3600_000,
      clock,
    );
    const old = signedLink(
      `${discord.api.replace('/api', '')}/cdn/attachments/1/3/b.png`,
      30 * 60_000,
      clock,
    );
    const refs = await ctx.resolveReferences(['https://example.com/c.png', fresh, old]);
    expect(refs.map((r) => (r.kind === 'url' ? r.url : ''))).toEqual([
      'https://example.com/c.png',
      fresh,
      discord.refreshedLinks.get(old),
    ]);
    expect(discord.refreshedLinks.size).toBe(1);
    await expect(ctx.resolveReferences(['/etc/passwd'])).rejects.toBeInstanceOf(ValidationError);
    // Discord's own links were checked to still be there, without any credential; others never fetched.
    const cdn = discord.calls.filter((c) => c.path.startsWith('/cdn/'));
    expect(cdn.map((c) => c.path)).toEqual(['/cdn/attachments/1/2/a.png', '/cdn/attachments/1/3/b.png']);
    expect(discord.authViolations).toEqual([]);
  });

  it('refuses private addresses and Discord links that are gone, before anything is spent', async () => {
    const ctx = context();
    const metadata = await ctx.resolveReferences(['http://169.254.169.254/latest/x.png']).catch((e) => e);
    expect(metadata).toMatchObject({
      code: 'REFERENCE_INVALID',
      option: 'reference 1',
      got: '169.254.169.254',
    });
    const loopback = await ctx.resolveReferences(['http://[::1]:9/a.png']).catch((e) => e);
    expect(loopback).toBeInstanceOf(ValidationError);
    // A result whose message was deleted: its link is still signed, but Discord's CDN no longer has it.
    const deleted = { id: '9', channelId: '1', content: '', embeds: [], components: [], attachments: [] };
    discord.messages.set('9', { ...deleted, flags: 0, via: 'bot', deleted: true });
    const gone = signedLink(
      `${discord.api.replace('/api', '')}/cdn/attachments/1/9/gone.png`,
      24 * 3600_000,
      clock,
    );
    const err = await ctx.resolveReferences(['https://example.com/c.png', gone]).catch((e) => e);
    expect(err).toMatchObject({ code: 'REFERENCE_INVALID', option: 'reference 2', got: 'HTTP 404' });
    expect((err as ValidationError).allowed).toContain('still posted');
  });
});
