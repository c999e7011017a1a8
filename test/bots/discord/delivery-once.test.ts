/**
 * A Discord result goes out exactly once and never sticks: a post Discord made but whose answer was lost
 * is not made again (the job's nonce, enforce_nonce) — by the retry or after a restart; a channel closed
 * to the bot ends the job undeliverable with the requester told by DM; Delete says what Discord refused.
 * HTTP mode, the whole app, the fake Discord and the fake BFL.
 */
import { describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../fakes/discord-server.ts';
import { newestJobId } from '../../support/core.ts';
import { button, CHANNEL, post, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 30 } });
const ANA = '400000000000000001';

const results = () => [...t.discord.messages.values()].filter((m) => m.attachments.length > 0 && !m.deleted);
const jobIdOf = (m: FakeMessage) => m.components[0]?.components[0]?.custom_id?.split(':')[2] as string;
const resultPosts = () =>
  t.discord.calls.filter((c) => c.method === 'POST' && (c.body as { nonce?: string })?.nonce !== undefined);

describe('a Discord result, exactly once', () => {
  it('posts once when Discord made the message but the answer was lost: the repeat carries the same nonce', async () => {
    t.discord.loseMessageAnswers = 1;
    await t.send(slash({ prompt: 'lost answer fox', model: 'klein-4b' }));
    const result = await until(() => results()[0], 10_000, 'result');
    const id = jobIdOf(result);
    await until(async () => (await t.app.jobs.get(id))?.state === 'delivered', 15_000, 'delivered');
    expect(results()).toHaveLength(1);
    const nonces = resultPosts().map((c) => (c.body as { nonce: string; enforce_nonce: boolean }).nonce);
    expect(nonces.length).toBeGreaterThanOrEqual(2);
    expect(new Set(nonces).size).toBe(1);
    expect(nonces[0]?.length).toBeLessThanOrEqual(25);
    expect(resultPosts().every((c) => (c.body as { enforce_nonce?: boolean }).enforce_nonce === true)).toBe(
      true,
    );
  });

  it('after a restart, gets the message Discord made before the store recorded it instead of posting again', async () => {
    // This process never hears back from Discord (as if it died right after the post).
    t.discord.loseMessageAnswers = 1_000;
    await t.send(slash({ prompt: 'crash window fox', model: 'klein-4b' }));
    const made = await until(() => results()[0], 10_000, 'the message Discord made');
    const id = jobIdOf(made);
    expect((await t.app.jobs.get(id))?.state).toBe('ready');
    await t.app.stop();
    t.discord.loseMessageAnswers = 0;
    await t.start();
    await until(
      async () => (await t.app.jobs.get(id))?.state === 'delivered',
      15_000,
      'delivered after the restart',
    );
    expect(results()).toHaveLength(1);
    const stored = (await t.app.jobs.get(id))?.delivery.results as Array<{ id: string }>;
    expect(stored.map((r) => r.id)).toEqual([made.id]);
    // The thread recorded in the first run is used again: no second one is asked for.
    expect(t.discord.threads.size).toBe(1);
  });
});

describe('a Discord thread made but not heard of', () => {
  it('is found again by the retry (160004: the thread has the card’s id) and the result goes in it', async () => {
    t.discord.loseThreadAnswers = 1;
    const raw = slash({ prompt: 'lost thread fox', model: 'klein-4b' });
    await t.send(raw);
    const result = await until(() => results()[0], 15_000, 'result');
    const card = t.discord.originalOf(raw.token) as FakeMessage;
    expect(result.channelId).toBe(card.id);
    expect([...t.discord.threads.keys()]).toEqual([card.id]);
    expect(results()).toHaveLength(1);
  });
});

describe('a Discord channel closed to the bot after the card went up', () => {
  it('tells the requester by DM with the image, ends the job undeliverable and still charged', async () => {
    t.bfl.configure({ generationMs: 400 });
    const raw = slash({ prompt: 'kicked fox', model: 'klein-4b' });
    await t.send(raw);
    const card = await until(() => t.discord.originalOf(raw.token), 5_000, 'card');
    expect(card).toBeTruthy();
    const id = await until(() => newestJobId(t.config.dataDir), 5_000, 'the job');
    // Removed from the channel, and the interaction token no longer honoured.
    t.discord.kickedChannels.add(CHANNEL);
    t.discord.expiredTokens.add(raw.token);
    await until(async () => (await t.app.jobs.get(id))?.state === 'undeliverable', 15_000, 'undeliverable');
    const job = await t.app.jobs.get(id);
    expect(job?.costMicros).toBeGreaterThan(0);
    expect(job?.error).toMatchObject({ code: 'UNDELIVERABLE', charge: 'charged' });
    const dm = t.discord.dms.get(ANA) as string;
    const notice = [...t.discord.messages.values()].find((m) => m.channelId === dm);
    expect(notice?.content).toContain('generated and charged');
    expect(notice?.content.toLowerCase()).not.toContain('nothing was charged');
    expect(notice?.attachments).toHaveLength(1);
  });
});

describe('Delete on Discord', () => {
  it('says what Discord refused instead of "Deleted", then deletes on the next press and marks the card', async () => {
    const raw = slash({ prompt: 'delete fox', model: 'klein-4b' });
    await t.send(raw);
    const result = await until(() => results()[0], 10_000, 'result');
    const id = jobIdOf(result);
    await until(async () => (await t.app.jobs.get(id))?.state === 'delivered', 10_000, 'delivered');
    const ephemerals = () => [...t.discord.messages.values()].filter((m) => m.flags & 64);
    t.discord.refuseDeletes = true;
    const first = button(`flux:delete:${id}`);
    t.discord.bindToken(first.token, CHANNEL);
    await post(t.port, first, t.keys.privateKey);
    const refused = await until(
      () => ephemerals().find((m) => m.content.startsWith('Not deleted')),
      5_000,
      'the refusal',
    );
    expect(refused.content).toBe(
      'Not deleted: the result message (Discord said: `Missing Permissions (403)`). Press Delete again in a moment, or remove it by hand.',
    );
    expect(ephemerals().some((m) => m.content === 'Deleted.')).toBe(false);
    expect(result.deleted).toBe(false);

    t.discord.refuseDeletes = false;
    const second = button(`flux:delete:${id}`);
    t.discord.bindToken(second.token, CHANNEL);
    await post(t.port, second, t.keys.privateKey);
    await until(() => ephemerals().find((m) => m.content === 'Deleted.'), 5_000, 'deleted');
    expect(result.deleted).toBe(true);
    const card = t.discord.originalOf(raw.token) as FakeMessage;
    await until(() => JSON.stringify(card).includes('Deleted by'), 5_000, 'the card says who deleted it');
    expect(JSON.stringify(card)).not.toContain('see thread');
  });
});
