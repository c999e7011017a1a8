/**
 * Over the gateway the first response is a callback the fake records: a bad /flux option is answered
 * privately by it, with no public "thinking…" made first (and deleted after); a good one still defers.
 */
import { describe, expect, it } from 'vitest';
import { slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ mode: 'gateway', bfl: { generationMs: 20 } });

const callbacksOf = (id: string) => t.discord.callbacks.filter((c) => c.interactionId === id);

describe('a /flux option checked before Discord is answered', () => {
  it('is refused by the first and only response, private, in the member’s language', async () => {
    const raw = { ...slash({ prompt: 'a fox', model: 'pro', steps: 20 }), locale: 'zh-TW' };
    t.discord.dispatch('INTERACTION_CREATE', raw);
    await until(() => callbacksOf(raw.id).length > 0, 5_000, 'the answer');
    await new Promise((r) => setTimeout(r, 100));
    const [answer, ...more] = callbacksOf(raw.id);
    expect(more).toEqual([]);
    expect(answer?.body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(String(answer?.body.data?.content)).toContain('`steps`');
    expect(String(answer?.body.data?.content)).toMatch(/[\u4e00-\u9fff]/);
    // Nothing else was said with its token: no follow-up, no edit, no DELETE of @original.
    expect(
      t.discord.calls.filter((c) => c.path.includes(raw.token) && !c.path.endsWith('/callback')),
    ).toEqual([]);
    // The interaction's own message is the private one: no public placeholder ever stood for it.
    expect(t.discord.originalOf(raw.token)?.flags).toBe(64);
    expect(t.bfl.counts.submits).toBe(0);
  });

  it('still defers a good one publicly, and its card replaces the placeholder', async () => {
    const raw = slash({ prompt: 'a good fox', model: 'klein-4b' });
    t.discord.dispatch('INTERACTION_CREATE', raw);
    await until(() => callbacksOf(raw.id).length > 0, 5_000, 'the answer');
    expect(callbacksOf(raw.id).map((c) => c.body)).toEqual([{ type: 5 }]);
    await until(() => t.bfl.counts.submits === 1, 5_000, 'submitted');
    expect(t.discord.calls.some((c) => c.method === 'DELETE' && c.path.includes(raw.token))).toBe(false);
  });
});
