import { describe, expect, it } from 'vitest';
import { autocomplete, button, modalSubmit, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ mode: 'gateway', bfl: { generationMs: 20 }, logs: true, once: true });

describe('Discord over the gateway', () => {
  it('logs in with the bot token and runs /flux from an INTERACTION_CREATE dispatch to the image in a thread', async () => {
    const raw = slash({ prompt: 'a gateway fox', model: 'klein-4b' });
    t.discord.dispatch('INTERACTION_CREATE', raw);
    const callback = await until(
      () => t.discord.callbacks.find((c) => c.interactionId === raw.id),
      5_000,
      'deferral callback',
    );
    expect(callback.body).toEqual({ type: 5 });
    const result = await until(
      () => [...t.discord.messages.values()].find((m) => m.attachments.length),
      10_000,
      'result',
    );
    expect([...t.discord.threads.values()][0]?.id).toBe(result.channelId);
    await until(() => t.discord.originalOf(raw.token)?.content.includes('see thread'), 5_000, 'summary');
    expect(t.discord.authViolations).toEqual([]);
  });

  it('answers autocomplete, a form button and its submission through the interaction callback', async () => {
    const complete = autocomplete('square', 'klein-4b');
    t.discord.dispatch('INTERACTION_CREATE', complete);
    const choices = await until(
      () => t.discord.callbacks.find((c) => c.interactionId === complete.id),
      5_000,
      'autocomplete',
    );
    expect(choices.body.type).toBe(8);
    const offered = (choices.body.data?.choices ?? []) as Array<{ value: string }>;
    expect(offered[0]?.value).toBe('1024x1024');

    const raw = slash({ prompt: 'a gateway owl', model: 'klein-4b', seed: 3 });
    t.discord.dispatch('INTERACTION_CREATE', raw);
    const result = await until(
      () =>
        [...t.discord.messages.values()].find(
          (m) => m.attachments.length && m.embeds.some((e) => JSON.stringify(e).includes('gateway owl')),
        ),
      10_000,
      'result',
    );
    const remix = result.components[0]?.components.find((c) => c.label === 'Remix')?.custom_id as string;
    const press = button(remix);
    t.discord.dispatch('INTERACTION_CREATE', press);
    const modal = await until(
      () => t.discord.callbacks.find((c) => c.interactionId === press.id),
      5_000,
      'modal',
    );
    expect(modal.body.type).toBe(9);
    const submit = modalSubmit(String(modal.body.data?.custom_id), {
      prompt: 'a gateway owl at dawn',
      model: 'klein-4b',
      size: '1024x1024',
      seed: '4',
    });
    t.discord.dispatch('INTERACTION_CREATE', submit);
    await until(() => t.discord.callbacks.find((c) => c.interactionId === submit.id), 5_000, 'deferral');
    await until(
      () =>
        [...t.discord.messages.values()].find(
          (m) => m.attachments.length && JSON.stringify(m.embeds).includes('at dawn'),
        ),
      10_000,
      'remix result',
    );
    expect(t.discord.authViolations).toEqual([]);
  });

  it('acts once on an interaction the gateway delivers twice', async () => {
    const raw = slash({ prompt: 'a fox delivered twice', model: 'klein-4b' });
    t.discord.dispatch('INTERACTION_CREATE', raw);
    await until(() => t.discord.originalOf(raw.token)?.content.includes('see thread'), 10_000, 'summary');
    const submitted = t.bfl.counts.submits;
    t.discord.dispatch('INTERACTION_CREATE', raw);
    // The refusal is logged before anything could be sent: once it is there, nothing more will come of it.
    await until(
      () =>
        t.logs
          .lines()
          .some((l) => l.msg === 'interaction already handled; ignored' && l.interaction === raw.id),
      5_000,
      'the refusal',
    );
    expect(t.discord.callbacks.filter((c) => c.interactionId === raw.id)).toHaveLength(1);
    expect(t.bfl.counts.submits).toBe(submitted);
  });

  it('answers an unknown button politely through the interaction callback', async () => {
    const raw = slash({});
    raw.type = 3;
    raw.data = { custom_id: 'something-else' };
    t.discord.dispatch('INTERACTION_CREATE', raw);
    const callback = await until(
      () => t.discord.callbacks.find((c) => c.interactionId === raw.id),
      5_000,
      'callback',
    );
    expect(callback.body).toMatchObject({
      type: 4,
      data: { content: 'This button is no longer active.', flags: 64, allowed_mentions: { parse: [] } },
    });
  });
});
