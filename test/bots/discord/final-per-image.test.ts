/**
 * Final per image on Discord, against the fake Discord and the fake BFL: a draft of four images carries,
 * beside the job's Final, a row Final 1 … 4 (within 5 rows of 5); each renders its own image alone — one
 * image, that image's seed, on the final model — and the job's Final (its custom_id unchanged since
 * before per-image Finals, so posted drafts still work) renders all four.
 */
import { describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../fakes/discord-server.ts';
import { button, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 20 } });

const results = () => [...t.discord.messages.values()].filter((m) => m.attachments.length > 0);
const tasks = () => [...t.bfl.tasks.values()];
const ids = (m: FakeMessage) => m.components.flatMap((r) => r.components).map((c) => c.custom_id ?? '');
const jobOf = (m: FakeMessage) =>
  (ids(m).find((id) => id.startsWith('flux:delete:')) ?? '').slice('flux:delete:'.length);

async function fourDrafts(): Promise<{ result: FakeMessage; jobId: string }> {
  await t.send(slash({ prompt: 'four foxes', draft: true, size: '512x768', seed: 100, count: 4 }));
  const result = await until(() => results()[0], 10_000, 'the four drafts');
  expect(tasks().map((task) => [task.model, task.body.seed])).toEqual(
    [100, 101, 102, 103].map((seed) => ['flux-2-klein-4b', seed]),
  );
  return { result, jobId: jobOf(result) };
}

describe('Final per image, on Discord', () => {
  it('adds a row Final 1 … 4 under the per-image rows, the job’s Final kept first, within 5 rows of 5', async () => {
    const { result, jobId } = await fourDrafts();
    const rows = result.components.map((r) => r.components.map((c) => [c.label, c.custom_id]));
    expect(rows).toHaveLength(5);
    expect(rows.every((row) => row.length <= 5)).toBe(true);
    expect(rows[0]).toEqual([
      ['Final · FLUX.2 [pro] ~$0.12', `flux:final:${jobId}`],
      ['Reroll', `flux:reroll:${jobId}`],
      ['Remix', `flux:remix:${jobId}`],
      ['Use as reference', `flux:use-ref:${jobId}`],
      ['Delete', `flux:delete:${jobId}`],
    ]);
    expect(rows.slice(1).map((row) => row[0]?.[0])).toEqual([
      'Reroll 1',
      'Remix 1',
      'Use 1 as reference',
      'Final 1 ~$0.03',
    ]);
    expect(rows[4]).toEqual([0, 1, 2, 3].map((i) => [`Final ${i + 1} ~$0.03`, `flux:final@${i}:${jobId}`]));
    // Both costs, as on any draft: the draft's actual, the final's estimate for all four.
    const fields = (result.embeds[0]?.fields ?? []) as Array<{ name: string; value: string }>;
    expect(fields.find((f) => f.name === 'Cost')?.value).toMatch(/^\$0\.\d+$/);
    expect(fields.find((f) => f.name === 'Draft · Final would be')?.value).toContain('\\~$0.12');
  });

  it('Final 3 renders image 3 alone: one image, its seed, on the final model', async () => {
    const { jobId } = await fourDrafts();
    const press = await t.send(button(`flux:final@2:${jobId}`));
    expect(press.body).toEqual({ type: 6 });
    const final = await until(() => results()[1], 10_000, 'the final of image 3');
    expect(tasks().slice(4)).toEqual([
      expect.objectContaining({
        model: 'flux-2-pro',
        body: expect.objectContaining({ prompt: 'four foxes', seed: 102, width: 512, height: 768 }),
      }),
    ]);
    expect(final.attachments).toHaveLength(1);
    const job = await t.app.jobs.get(jobOf(final));
    expect(job?.request).toMatchObject({ model: 'pro', seed: 102, count: 1, width: 512, height: 768 });
    expect(job?.parentId).toBe(jobId);
    // One image of a full-quality result: no Final, and no per-image rows.
    expect(ids(final).some((id) => id.startsWith('flux:final'))).toBe(false);
  });

  it('the job’s Final, as posted before per-image ones, still renders all four', async () => {
    const { jobId } = await fourDrafts();
    await t.send(button(`flux:final:${jobId}`));
    const final = await until(() => results()[1], 10_000, 'the final of all four');
    expect(
      tasks()
        .slice(4)
        .map((task) => [task.model, task.body.seed]),
    ).toEqual([100, 101, 102, 103].map((seed) => ['flux-2-pro', seed]));
    expect((await t.app.jobs.get(jobOf(final)))?.request).toMatchObject({
      model: 'pro',
      count: 4,
      seed: 100,
    });
  });

  it('keeps a single Final on a one-image draft', async () => {
    await t.send(slash({ prompt: 'one fox', draft: true, seed: 5 }));
    const result = await until(() => results()[0], 10_000, 'the draft');
    expect(result.components).toHaveLength(1);
    expect(ids(result).filter((id) => id.startsWith('flux:final'))).toEqual([`flux:final:${jobOf(result)}`]);
  });
});
