/**
 * The Discord delivery record: what a context stores comes back as the same record, and a stored record
 * that does not hold is refused with a typed error (the job ends undeliverable) instead of a crash.
 */
import { REST } from 'discord.js';
import { afterAll, describe, expect, it } from 'vitest';
import { DeliveryRecordError } from '../../../src/bots/delivery-record.ts';
import { createDiscordContext } from '../../../src/bots/discord/context.ts';
import { type DiscordDelivery, parseDiscordDelivery } from '../../../src/bots/discord/delivery-record.ts';
import { createDiscordFactory } from '../../../src/bots/discord/factory.ts';
import { attachmentAccess } from '../../../src/bots/discord/references.ts';
import { UndeliverableError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import { APP_ID, CHANNEL, GUILD } from '../../support/discord.ts';

const http = createHttp();
afterAll(() => http.close());
const clock = 1_700_000_000_000;
const deps = {
  rest: new REST({ api: 'http://127.0.0.1:9' }).setToken('unused'),
  logger: silentLogger(),
  attachments: attachmentAccess('http://127.0.0.1:9', http),
  now: () => clock,
};
const actor = { id: '400000000000000001', name: 'Ana', isAdmin: false };
const TOKEN = 'itok-secret-interaction-token';

const record = (patch: Partial<DiscordDelivery> = {}): DiscordDelivery => ({
  appId: APP_ID,
  channelId: CHANNEL,
  guildId: GUILD,
  token: TOKEN,
  tokenExpiresAt: clock + 600_000,
  original: 'deferred',
  cardId: '500000000000000001',
  threadId: '600000000000000001',
  results: [{ id: '700000000000000001', channelId: '600000000000000001', via: 'bot' }],
  posted: { imageUrls: ['https://cdn.discordapp.com/attachments/1/2/flux-42.png'] },
  uploadLimit: 10 * 1024 * 1024,
  ...patch,
});

/** What the store holds: JSON, merged with what other layers keep beside the record. */
const stored = (d: DiscordDelivery) => ({
  ...JSON.parse(JSON.stringify(d)),
  cardShown: true,
  resultUrls: [],
});

function refusal(value: unknown): DeliveryRecordError {
  try {
    parseDiscordDelivery(value);
  } catch (err) {
    if (err instanceof DeliveryRecordError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('the Discord delivery record', () => {
  it('is what delivery() builds, and what restore() rebuilds the same context from', () => {
    const ctx = createDiscordContext(deps, record(), actor);
    const built = ctx.delivery();
    expect(parseDiscordDelivery(stored(built))).toEqual(built);
    const restored = createDiscordFactory(deps).restore(stored(built), actor);
    expect(restored.delivery()).toEqual(built);
    expect(restored.channelId).toBe(CHANNEL);
    expect(restored.workspaceId).toBe(GUILD);
  });

  it('drops a dead token from what it builds', () => {
    const ctx = createDiscordContext(deps, record({ tokenExpiresAt: clock - 1 }), actor);
    expect(ctx.delivery()).toMatchObject({ token: undefined, tokenExpiresAt: 0 });
    expect(parseDiscordDelivery(stored(ctx.delivery())).token).toBeUndefined();
  });

  it('refuses a record that does not hold, naming where it fails and never what it holds', () => {
    const cases: Array<[unknown, string[]]> = [
      [null, ['(record)']],
      [[], ['(record)']],
      ['x', ['(record)']],
      [{ ...record(), appId: undefined }, ['appId']],
      [{ ...record(), original: 'public' }, ['original']],
      [{ ...record(), uploadLimit: '10 MB' }, ['uploadLimit']],
      [{ ...record(), results: [{ id: '1', channelId: '2', via: 'carrier pigeon' }] }, ['results.0.via']],
      [{ ...record(), token: 42, posted: { imageUrls: 'x' } }, ['token', 'posted.imageUrls']],
    ];
    for (const [value, paths] of cases) {
      const err = refusal(value);
      expect({ value, paths: err.paths }).toEqual({ value, paths });
      expect(err).toBeInstanceOf(UndeliverableError);
      expect(err.code).toBe('UNDELIVERABLE');
      expect(err.imagesSent).toBe(false);
      expect(err.message).not.toContain(TOKEN);
      expect(err.cause).toBeUndefined();
    }
  });

  it('makes restore() throw that typed error, not a TypeError somewhere later', () => {
    const factory = createDiscordFactory(deps);
    expect(() => factory.restore({ channelId: CHANNEL, token: TOKEN }, actor)).toThrow(DeliveryRecordError);
  });
});
