/**
 * References on Discord end to end: a reference that is gone or not allowed refuses the job privately,
 * and the fake BFL never sees a submit for it.
 */
import { describe, expect, it } from 'vitest';
import { attachment, button, messageCommand, modalSubmit, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 20 } });

const privately = (needle: string) =>
  until(
    () => [...t.discord.messages.values()].find((m) => m.flags & 64 && m.content.includes(needle)),
    10_000,
    `a private answer with "${needle}"`,
  );

describe('references on Discord', () => {
  it('refuses "Use as reference" on a deleted result privately, and submits nothing', async () => {
    await t.send(slash({ prompt: 'gone fox', model: 'klein-4b' }));
    const result = await until(
      () => [...t.discord.messages.values()].find((m) => m.attachments.length),
      10_000,
      'result',
    );
    const ids = Object.fromEntries(
      (result.components[0]?.components ?? []).map((c) => [c.label, c.custom_id as string]),
    );
    const modal = (await t.send(button(ids['Use as reference'] as string))).body as {
      data: { custom_id: string };
    };
    await t.send(button(ids.Delete as string));
    await until(() => result.deleted, 5_000, 'result deleted');
    await t.send(modalSubmit(modal.data.custom_id, { prompt: 'the same fox in spring' }));
    const refusal = await privately('still posted');
    expect(refusal.content).toContain('HTTP 404');
    expect(refusal.content).toContain('Nothing was queued or charged');
    expect(t.bfl.counts.submits).toBe(1);
    expect(t.discord.authViolations).toEqual([]);
  });

  it('refuses a metadata address typed in the options of "Edit with FLUX", and submits nothing', async () => {
    const modal = (await t.send(messageCommand([attachment('a.png')]))).body as {
      data: { custom_id: string };
    };
    await t.send(
      modalSubmit(modal.data.custom_id, {
        prompt: 'make it watercolor',
        options: '--ref http://169.254.169.254/latest/meta-data/x.png',
      }),
    );
    const refusal = await privately('169.254.169.254');
    expect(refusal.content).toContain('public');
    expect(t.bfl.counts.submits).toBe(0);
  });
});
