/** The command-level rules behind the failure card, private confirmation and a refusal that suggests. */

import { describe, expect, it } from 'vitest';
import { whatWouldFit } from '../../../src/commands/flux/budget-fit.ts';
import { failedCard } from '../../../src/commands/flux/messages.ts';
import type { WorkspaceSettings } from '../../../src/core/budgets.ts';
import type { JobView } from '../../../src/core/job-types.ts';
import { DEFAULT_PRICES } from '../../../src/core/pricing.ts';
import { useCommands } from '../../support/commands-harness.ts';
import { catalog, origin, request } from '../../support/core.ts';
import { createFakeContext } from '../../support/fake-context.ts';

const commandsWith = useCommands();
const setup = (settings: Partial<WorkspaceSettings>) => commandsWith({ platforms: ['slack'], settings });

const job = (over: Partial<JobView> = {}): JobView => ({
  id: 'j1',
  state: 'failed',
  request: request({ prompt: 'a fox', model: 'klein-4b' }),
  origin: origin('U_ANA', 'slack'),
  delivery: {},
  estimateMicros: 15_000,
  createdAt: 0,
  finishedAt: 1_000,
  tasks: [],
  ...over,
});

describe('the failure card', () => {
  it('mentions the requester and offers Retry where another seed may pass', () => {
    const card = failedCard(job(), catalog, { code: 'CONTENT_MODERATED', message: '', charge: 'none' }, 0);
    expect(card).toMatchObject({ final: true, status: 'Failed' });
    expect(card.failure).toEqual({
      requesterId: 'U_ANA',
      text: "The provider's safety filter refused the generated image; another seed may pass. Not charged. Press “Retry with a new seed” to try again.",
    });
    expect(card.buttons).toEqual([
      { action: 'retry', jobId: 'j1', label: 'Retry with a new seed', style: 'primary' },
    ]);
  });

  it('offers no Retry where a new seed cannot help, and says what to do instead', () => {
    const card = failedCard(job(), catalog, { code: 'REQUEST_MODERATED', message: '', charge: 'none' }, 0);
    expect(card.buttons).toEqual([]);
    expect(card.failure?.text).toContain('Change the prompt or the reference images and try again.');
  });
});

describe('a budget refusal', () => {
  it('suggests the dearest allowed variant that fits, or says nothing does', () => {
    // At 1024×1024 (billed as 2 MP): pro $0.045, klein-9b $0.017, klein-4b $0.015 per image.
    const pro = request({ prompt: 'a fox', model: 'pro', count: 2, size: '1024x1024' });
    expect(whatWouldFit(pro, 40_000, { catalog, prices: DEFAULT_PRICES })).toBe(
      'klein-9b at this size ≈ $0.034 — fits.',
    );
    expect(whatWouldFit(pro, 45_000, { catalog, prices: DEFAULT_PRICES }, ['pro'])).toBe(
      'pro, 1 image at this size ≈ $0.045 — fits.',
    );
    expect(whatWouldFit(pro, 20_000, { catalog, prices: DEFAULT_PRICES }, ['pro', 'klein-4b'])).toBe(
      'klein-4b, 1 image at this size ≈ $0.015 — fits.',
    );
    expect(whatWouldFit(pro, 1_000, { catalog, prices: DEFAULT_PRICES })).toBe(
      'Even klein-4b at this size (≈ $0.015) would not fit until it resets.',
    );
  });
});

describe('a confirmation above the threshold', () => {
  it('is asked privately with Confirm and Cancel; the public card appears only once confirmed', async () => {
    const { h, commands } = await setup({ confirmThresholdMicros: 0 });
    const ctx = createFakeContext({ actor: { id: 'U_ANA', name: 'Ana' } });
    const started = await commands.run('flux', ctx, { text: 'a fox --model klein-4b --size 1024x1024' });
    const id = started?.id as string;
    expect(ctx.cards).toEqual([]);
    expect(ctx.replies).toHaveLength(1);
    expect(ctx.replies[0]?.text).toContain('estimated at **~$0.015**');
    expect(ctx.replies[0]?.buttons.map((b) => [b.action, b.jobId])).toEqual([
      ['confirm', id],
      ['cancel', id],
    ]);
    expect((await h.jobs.get(id))?.state).toBe('awaiting_confirmation');

    const press = createFakeContext({ actor: { id: 'U_ANA', name: 'Ana' } });
    await commands.button(press, 'confirm', id);
    // The card went up through the job's own (command) context, then the job was queued.
    expect(ctx.cards[0]).toMatchObject({ status: 'Queued', final: false });
    expect((await h.jobs.get(id))?.delivery).toMatchObject({ privateConfirm: true, cardShown: true });
    expect((await h.jobs.get(id))?.state).not.toBe('awaiting_confirmation');
    await commands.button(press, 'confirm', id);
    expect(press.replies.map((r) => r.text)).toEqual(['Already confirmed: the image is on its way.']);
  });
});
