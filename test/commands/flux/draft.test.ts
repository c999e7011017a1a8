/**
 * Draft, then final, through the command table over the real jobs service: `--draft` renders a cheap
 * preview with the seed fixed (klein-4b by the default prices, flex at 6 steps where klein-4b is not
 * allowed), and Final renders the same prompt, seed and size on the model asked for at full quality —
 * all of the draft's images, or (Final 1 … 4 of a draft of several) one of them with its own seed.
 */

import { describe, expect, it } from 'vitest';
import type { Commands } from '../../../src/commands/commands.ts';
import { DRAFT_STEPS, draftOf } from '../../../src/commands/flux/draft.ts';
import { withRecall } from '../../../src/commands/flux/result-extras.ts';
import type { WorkspaceSettings } from '../../../src/core/budgets.ts';
import type { JobView } from '../../../src/core/job-types.ts';
import { useCommands } from '../../support/commands-harness.ts';
import { catalog } from '../../support/core.ts';
import { createFakeContext } from '../../support/fake-context.ts';
import { until } from '../../support/until.ts';

const commandsWith = useCommands();
const setup = (settings?: Partial<WorkspaceSettings>) =>
  commandsWith({ platforms: ['slack'], ...(settings ? { settings } : {}) });

const ana = () => createFakeContext({ actor: { id: 'U_ANA', name: 'Ana' } });
const bob = () => createFakeContext({ actor: { id: 'U_BOB', name: 'Bob' } });

async function draft(commands: Commands, text: string): Promise<JobView> {
  const ctx = ana();
  const job = await commands.run('flux', ctx, { text });
  if (!job) throw new Error(`no draft: ${ctx.replies.map((r) => r.text).join(' ')}`);
  return job;
}

describe('--draft', () => {
  it('previews on klein-4b by the default prices, the seed fixed and the final kept with the job', async () => {
    const { h, commands } = await setup();
    const job = await draft(commands, 'a red fox --draft --size 1360x768');
    expect(job.request).toMatchObject({ model: 'klein-4b', width: 1360, height: 768, upsample: false });
    await h.waitingFor(1);
    expect(h.provider.submits.map((s) => [s.request.model, s.seed])).toEqual([
      ['klein-4b', job.request.seed],
    ]);
    // The default model, pro at this size: 2 MP billed, $0.03 + $0.015.
    expect(draftOf(job)).toEqual({ model: 'pro', upsample: true, estimateMicros: 45_000 });
  });

  it('previews on flex at few steps where klein-4b is not allowed, keeping the guidance asked for', async () => {
    const { commands } = await setup({ allowedModels: ['pro', 'max', 'flex'] });
    const job = await draft(commands, 'a red fox --draft --model max --seed 42');
    expect(job.request).toMatchObject({ model: 'flex', steps: DRAFT_STEPS, seed: 42, upsample: true });
    expect(draftOf(job)).toMatchObject({ model: 'max' });
  });

  it('refuses, spending nothing, where neither draft model is allowed or the final could not run', async () => {
    const { h, commands } = await setup({ allowedModels: ['pro', 'max'] });
    const ctx = ana();
    await commands.run('flux', ctx, { text: 'a fox --draft' });
    expect(ctx.replies.map((r) => r.text)).toEqual([
      'Model `flex, klein-4b` is not allowed here. Allowed: pro, max.',
    ]);
    const typo = ana();
    await commands.run('flux', typo, { text: 'a fox --draft --steps 20' });
    expect(typo.replies[0]?.text).toContain('`steps` (got `20`): allowed only with model flex');
    expect(ctx.cards).toEqual([]);
    expect(h.provider.submits).toEqual([]);
  });
});

describe('Final', () => {
  it('renders the draft’s prompt, seed and size on the model asked for, as its child', async () => {
    const { h, commands } = await setup();
    const first = await draft(commands, 'a red fox --draft --model flex --steps 30 --seed 7 --count 2');
    expect(first.request).toMatchObject({ model: 'klein-4b', count: 2, seed: 7 });
    const ctx = ana();
    await commands.button(ctx, 'final', first.id);
    await until(
      () => h?.provider.submits.filter((s) => s.request.model === 'flex').length === 2,
      5_000,
      'final',
    );
    const final = h.provider.submits.filter((s) => s.request.model === 'flex');
    expect(final.map((s) => s.seed)).toEqual([7, 8]);
    expect(final[0]?.request).toMatchObject({
      prompt: 'a red fox',
      width: 1024,
      height: 1024,
      steps: 30,
      guidance: 4.5,
      count: 2,
    });
    expect(ctx.replies).toEqual([]);
    expect(ctx.cards[0]?.from?.text).toBe('Final of a draft');
  });

  it('is refused to anyone but the requester or an admin, and on a job that is no draft', async () => {
    const { h, commands } = await setup();
    const first = await draft(commands, 'a red fox --draft');
    const other = bob();
    await commands.button(other, 'final', first.id);
    expect(other.replies.map((r) => r.text)).toEqual([
      'Only the person who asked for this image or an admin can finalize it.',
    ]);
    const plain = await commands.run('flux', ana(), { text: 'a fox --model klein-4b' });
    const ctx = ana();
    await commands.button(ctx, 'final', plain?.id as string);
    expect(ctx.replies.map((r) => r.text)).toEqual([
      'This image is not a draft: it was made at full quality already.',
    ]);
    await h.waitingFor(2);
    expect(h.provider.submits.map((s) => s.request.model)).toEqual(['klein-4b', 'klein-4b']);
  });

  it('is offered on a draft’s result with both costs: the draft’s actual and the final’s estimate', async () => {
    const { commands } = await setup();
    const first = await draft(commands, 'a red fox --draft');
    const delivered = { ...first, state: 'delivered', costMicros: 15_000 } as JobView;
    const post = withRecall(
      { jobId: first.id, images: [], fields: [{ label: 'Cost', value: '$0.015' }], notes: [], buttons: [] },
      delivered,
      catalog,
      'en',
    );
    expect(post.buttons).toEqual([
      { action: 'final', jobId: first.id, label: 'Final · FLUX.2 [pro] ~$0.045', style: 'primary' },
    ]);
    expect(post.fields).toEqual([
      { label: 'Cost', value: '$0.015' },
      { label: 'Job', value: `#${first.id.slice(0, 8)}`, code: true },
      {
        label: 'Draft · Final would be',
        value: 'FLUX.2 [pro] at full quality, same prompt, seed and size · ~$0.045',
      },
    ]);
    expect(withRecall(post, delivered, catalog, 'zh-Hans').buttons[0]?.label).toBe(
      '定稿 · FLUX.2 [pro] 约US$0.045',
    );
  });

  it('renders one image of several alone: one image, that image’s seed, on the final model', async () => {
    const { h, commands } = await setup();
    const first = await draft(commands, 'a red fox --draft --model flex --steps 30 --seed 7 --count 3');
    await h.waitingFor(3);
    const ctx = ana();
    await commands.button(ctx, 'final', first.id, 2);
    await until(() => h.provider.submits.length === 4, 5_000, 'final of image 3');
    expect(ctx.replies).toEqual([]);
    const childId = ctx.cards[0]?.buttons.find((b) => b.action === 'cancel')?.jobId as string;
    const child = await h.jobs.get(childId);
    expect(child?.request).toMatchObject({
      prompt: 'a red fox',
      model: 'flex',
      steps: 30,
      seed: 9,
      count: 1,
      width: 1024,
      height: 1024,
    });
    expect(child?.parentId).toBe(first.id);
    expect(h.provider.submits.slice(3).map((s) => [s.request.model, s.seed])).toEqual([['flex', 9]]);
    expect(ctx.cards[0]?.from?.text).toBe('Final of a draft');
  });

  it('refuses an image the draft does not have, submitting nothing', async () => {
    const { h, commands } = await setup();
    const first = await draft(commands, 'a red fox --draft --count 2');
    await h.waitingFor(2);
    const ctx = ana();
    await commands.button(ctx, 'final', first.id, 2);
    expect(ctx.replies.map((r) => r.text)).toEqual([expect.stringContaining('no longer known')]);
    expect(ctx.cards).toEqual([]);
    expect(h.provider.submits).toHaveLength(2);
  });

  it('gives a draft of several images a Final per image at the price of one; one image keeps one Final', async () => {
    const { commands } = await setup();
    const first = await draft(commands, 'a red fox --draft --count 4');
    const delivered = { ...first, state: 'delivered', costMicros: 60_000 } as JobView;
    const empty = { jobId: first.id, images: [], fields: [], notes: [], buttons: [] };
    // Image 2 did not come: it gets no button.
    const post = withRecall(empty, delivered, catalog, 'en', [0, 2, 3]);
    expect(post.buttons.map((b) => [b.label, b.index])).toEqual([
      ['Final · FLUX.2 [pro] ~$0.18', undefined],
      ['Final 1 ~$0.045', 0],
      ['Final 3 ~$0.045', 2],
      ['Final 4 ~$0.045', 3],
    ]);
    expect(post.buttons.every((b) => b.action === 'final' && b.jobId === first.id)).toBe(true);
    expect(withRecall(empty, delivered, catalog, 'zh-Hant', [0, 1])?.buttons[1]?.label).toBe(
      '定稿 1 約US$0.045',
    );
    const single = await draft(commands, 'a red fox --draft');
    const alone = withRecall({ ...empty, jobId: single.id }, single, catalog, 'en', [0]);
    expect(alone.buttons.map((b) => [b.action, b.index])).toEqual([['final', undefined]]);
  });
});
