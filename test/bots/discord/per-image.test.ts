/**
 * One image of four on Discord, against the fakes: a result of four images carries a row of numbered
 * buttons per action, and each acts on its own image alone (what the fake BFL received is asserted).
 */
import { describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../fakes/discord-server.ts';
import { button, CHANNEL, modalSubmit, post, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 20 } });

const results = () => [...t.discord.messages.values()].filter((m) => m.attachments.length > 0);
const bodies = () => [...t.bfl.tasks.values()].map((task) => task.body);

async function fourImages(): Promise<{ result: FakeMessage; jobId: string }> {
  const raw = slash({ prompt: 'four foxes', model: 'klein-4b', size: '512x768', seed: 100, count: 4 });
  t.discord.bindToken(raw.token, CHANNEL);
  await post(t.port, raw, t.keys.privateKey);
  const result = await until(() => results()[0], 10_000, 'the four images');
  const del = result.components[0]?.components.find((c) => c.custom_id?.startsWith('flux:delete:'));
  return { result, jobId: (del?.custom_id ?? '').slice('flux:delete:'.length) };
}

async function press(customId: string) {
  const raw = button(customId);
  t.discord.bindToken(raw.token, CHANNEL);
  return post(t.port, raw, t.keys.privateKey);
}

describe('one image of four, on Discord', () => {
  it('shows the job’s buttons, then a row of numbered buttons per action, within 5 rows of 5', async () => {
    const { result, jobId } = await fourImages();
    expect(result.attachments).toHaveLength(4);
    const rows = result.components.map((r) => r.components.map((c) => [c.label, c.custom_id]));
    expect(rows[0]?.map(([label]) => label)).toEqual(['Reroll', 'Remix', 'Use as reference', 'Delete']);
    expect(rows.slice(1)).toEqual([
      [0, 1, 2, 3].map((i) => [`Reroll ${i + 1}`, `flux:reroll@${i}:${jobId}`]),
      [0, 1, 2, 3].map((i) => [`Remix ${i + 1}`, `flux:remix@${i}:${jobId}`]),
      [0, 1, 2, 3].map((i) => [`Use ${i + 1} as reference`, `flux:use-ref@${i}:${jobId}`]),
    ]);
  });

  it('"use image 3 as reference" sends exactly that image to BFL, and no other', async () => {
    const { result, jobId } = await fourImages();
    const { body } = await press(`flux:use-ref@2:${jobId}`);
    const modal = body as { type: number; data: { custom_id: string; title: string } };
    expect(modal).toMatchObject({ type: 9, data: { title: 'Use image 3 as reference' } });
    expect(modal.data.custom_id).toBe(`flux:form:ref:${jobId}@2`);
    const submit = modalSubmit(modal.data.custom_id, { prompt: 'the third fox in spring' });
    t.discord.bindToken(submit.token, CHANNEL);
    await post(t.port, submit, t.keys.privateKey);
    await until(() => results().length === 2, 10_000, 'the new image');
    const sent = bodies().at(-1) as Record<string, unknown>;
    expect(bodies()).toHaveLength(5);
    expect(sent.prompt).toBe('the third fox in spring');
    expect(sent.input_image).toBe(result.attachments[2]?.url);
    expect(sent.input_image).not.toBe(result.attachments[0]?.url);
    expect(sent.input_image_2).toBeUndefined();
  });

  it('rerolls image 2 alone: its settings, one image, a new seed', async () => {
    const { jobId } = await fourImages();
    const before = bodies();
    expect(before.map((b) => b.seed)).toEqual([100, 101, 102, 103]);
    await press(`flux:reroll@1:${jobId}`);
    await until(() => results().length === 2, 10_000, 'the rerolled image');
    const after = bodies().slice(4);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ prompt: 'four foxes', width: 512, height: 768 });
    expect(after[0]?.seed).not.toBe(101);
    expect(results()[1]?.attachments).toHaveLength(1);
  });

  it('opens Remix of image 4 with its own seed and one image', async () => {
    const { jobId } = await fourImages();
    const { body } = await press(`flux:remix@3:${jobId}`);
    const modal = body as {
      data: {
        custom_id: string;
        components: Array<{ components: Array<{ custom_id: string; value?: string }> }>;
      };
    };
    expect(modal.data.custom_id).toBe(`flux:form:remix:${jobId}@3`);
    const fields = Object.fromEntries(
      modal.data.components.map((r) => [r.components[0]?.custom_id, r.components[0]?.value]),
    );
    expect(fields.seed).toBe('103');
    expect(fields.options).toContain('--count 1');
    const submit = modalSubmit(modal.data.custom_id, { ...fields, prompt: 'four foxes, at dusk' } as Record<
      string,
      string
    >);
    t.discord.bindToken(submit.token, CHANNEL);
    await post(t.port, submit, t.keys.privateKey);
    await until(() => results().length === 2, 10_000, 'the remix');
    expect(bodies().slice(4)).toEqual([
      expect.objectContaining({ prompt: 'four foxes, at dusk', seed: 103 }),
    ]);
  });

  it('refuses an image the job does not have, privately, and submits nothing', async () => {
    const { jobId } = await fourImages();
    await press(`flux:reroll@7:${jobId}`);
    const refusal = await until(
      () => [...t.discord.messages.values()].find((m) => m.flags & 64),
      5_000,
      'private refusal',
    );
    expect(refusal.content).toContain('no longer known');
    // Not an image of the job, nor a per-image action: Delete takes no image.
    await press(`flux:delete@1:${jobId}`);
    await until(
      () => [...t.discord.messages.values()].filter((m) => m.flags & 64).length === 2,
      5_000,
      'second refusal',
    );
    expect(results()[0]?.deleted).toBe(false);
    expect(bodies()).toHaveLength(4);
  });

  it('gives a single image no per-image rows', async () => {
    const raw = slash({ prompt: 'one fox', model: 'klein-4b' });
    t.discord.bindToken(raw.token, CHANNEL);
    await post(t.port, raw, t.keys.privateKey);
    const result = await until(() => results()[0], 10_000, 'the image');
    expect(result.components).toHaveLength(1);
  });
});
