import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInteractionHandler } from '../../../src/bots/discord/handler.ts';
import type { RawInteraction } from '../../../src/bots/discord/payload.ts';
import { attachmentAccess } from '../../../src/bots/discord/references.ts';
import { createDiscordRest } from '../../../src/bots/discord/rest.ts';
import type { Commands } from '../../../src/commands/commands.ts';
import { FluxError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import { createSqliteStore } from '../../../src/core/store/sqlite.ts';
import { type FakeDiscord, startFakeDiscord } from '../../fakes/discord-server.ts';
import { tempDb } from '../../support/core.ts';
import { CHANNEL, slash } from '../../support/discord.ts';
import { until } from '../../support/until.ts';

let discord: FakeDiscord;
const http = createHttp();
const store = createSqliteStore(tempDb());
beforeEach(async () => {
  discord = await startFakeDiscord();
});
afterEach(() => discord.close());
afterAll(() => {
  store.close();
  return http.close();
});

function handlerWith(run: Commands['run']) {
  const rest = createDiscordRest(discord.api, discord.token, http.dispatcher);
  const handle = createInteractionHandler({
    commands: { run } as unknown as Commands,
    rest,
    attachments: attachmentAccess(discord.api, http),
    logger: silentLogger(),
    claimOnce: async (key, expiresAt) => store.claimOnce(key, expiresAt),
  });
  // As a transport does: send the answer, then continue.
  return async (raw: RawInteraction, send: (body: unknown) => Promise<void>) => {
    const handled = await handle(raw);
    if (handled === 'replayed') return;
    await send(handled.response);
    await handled.continue();
  };
}

describe('the interaction boundary', () => {
  it('answers a bug privately with "not charged" after deferring, and leaves no public placeholder', async () => {
    const handle = handlerWith(async () => {
      throw new TypeError('undefined is not a function');
    });
    const raw = slash({ prompt: 'a fox' });
    discord.bindToken(raw.token, CHANNEL);
    const sent: unknown[] = [];
    await handle(raw, async (body) => void sent.push(body));
    expect(sent).toEqual([{ type: 5 }]);
    const reply = await until(
      () => [...discord.messages.values()].find((m) => m.flags & 64),
      5_000,
      'private reply',
    );
    expect(reply.content).toBe('Something went wrong on our side — nothing was charged. Please try again.');
    expect(discord.originalOf(raw.token)?.deleted).toBe(true);
  });

  it('tells the truth about the charge when the failure knows it', async () => {
    const handle = handlerWith(async () => {
      throw new FluxError('PROVIDER_UNAVAILABLE', 'submit timed out after sending', { charge: 'unknown' });
    });
    const raw = slash({ prompt: 'a fox' });
    discord.bindToken(raw.token, CHANNEL);
    await handle(raw, async () => {});
    const reply = await until(
      () => [...discord.messages.values()].find((m) => m.flags & 64),
      5_000,
      'private reply',
    );
    expect(reply.content).toContain('It may have been charged');
  });
});
