/**
 * A failure pings its requester on Discord: the red card is an edit, and an edit's mention notifies
 * nobody, so a new message under the card mentions them — `allowed_mentions` naming exactly them.
 */
import { describe, expect, it } from 'vitest';
import { CHANNEL, post, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 300 } });

async function failing() {
  const raw = slash({ prompt: '[content-moderated] fox @everyone', model: 'klein-4b' });
  t.discord.bindToken(raw.token, CHANNEL);
  await post(t.port, raw, t.keys.privateKey);
  return { raw, requester: raw.member?.user?.id as string };
}

const notices = (requester: string) =>
  [...t.discord.messages.values()].filter((m) => m.content.includes(`<@${requester}>`) && !m.embeds.length);

describe('the failure notice on Discord', () => {
  it('is a new message that pings the requester alone; the red card is an edit that pings nobody', async () => {
    const { raw, requester } = await failing();
    const notice = await until(() => notices(requester)[0], 10_000, 'failure notice');
    const card = t.discord.originalOf(raw.token);
    expect(card?.embeds[0]).toMatchObject({ color: 0xed4245, title: '⚠️ Failed' });
    expect(notice.id).not.toBe(card?.id);
    expect(notice.content).toBe(`⚠️ <@${requester}> your image could not be made.`);
    const sent = t.discord.calls.find((c) => c.method === 'POST' && c.path.endsWith(raw.token));
    expect((sent?.body as { allowed_mentions?: unknown } | undefined)?.allowed_mentions).toEqual({
      parse: [],
      users: [requester],
    });
    expect(t.discord.pings).toEqual([{ path: expect.stringContaining(raw.token), who: `user ${requester}` }]);
    // The card's own mention is an edit: highlighted, never a second notification.
    expect(t.discord.highlights.map((h) => h.who)).toEqual([`user ${requester}`]);
    expect(notices(requester)).toHaveLength(1);
  });

  it('replies to the card with the bot token once the interaction token is gone', async () => {
    const { raw, requester } = await failing();
    const card = await until(() => t.discord.originalOf(raw.token), 5_000, 'card');
    t.discord.expiredTokens.add(raw.token);
    const notice = await until(() => notices(requester)[0], 10_000, 'failure notice');
    expect(notice).toMatchObject({ via: 'bot', channelId: CHANNEL, replyTo: card.id });
    const sent = t.discord.calls.find(
      (c) => c.method === 'POST' && c.path === `/channels/${CHANNEL}/messages`,
    );
    expect((sent?.body as { allowed_mentions?: unknown } | undefined)?.allowed_mentions).toEqual({
      parse: [],
      users: [requester],
    });
    expect(t.discord.pings.map((p) => [p.path, p.who])).toEqual([
      [`/channels/${CHANNEL}/messages`, `user ${requester}`],
    ]);
  });
});
