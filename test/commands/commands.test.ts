/**
 * The command modules through the table, over the real jobs service (fake provider, SQLite file) and a
 * recording context: what each one answers, shows and spends.
 */

import { describe, expect, it } from 'vitest';
import { BUTTONS, COMMANDS, FORMS } from '../../src/commands/commands.ts';
import type { ButtonAction } from '../../src/commands/context.ts';
import type { WorkspaceSettings } from '../../src/core/budgets.ts';
import { useCommands } from '../support/commands-harness.ts';
import { createFakeContext, type FakeContext } from '../support/fake-context.ts';

const commandsWith = useCommands();
const setup = (settings?: Partial<WorkspaceSettings>) =>
  commandsWith({ platforms: ['slack'], ...(settings ? { settings } : {}) });

const ana = () => createFakeContext({ actor: { id: 'U_ANA', name: 'Ana' } });
const bob = (over = {}) => createFakeContext({ actor: { id: 'U_BOB', name: 'Bob', ...over } });
const texts = (ctx: FakeContext) => ctx.replies.map((r) => r.text);

describe('the command table', () => {
  it('finds every command, button and form under the name it declares', () => {
    for (const [name, command] of Object.entries(COMMANDS)) expect(command.data.name).toBe(name);
    const actions: ButtonAction[] = [
      'cancel',
      'reroll',
      'remix',
      'use-ref',
      'delete',
      'confirm',
      'retry',
      'final',
    ];
    expect(Object.keys(BUTTONS).sort()).toEqual([...actions].sort());
    for (const [action, button] of Object.entries(BUTTONS)) expect(button.data.action).toBe(action);
    for (const [kind, form] of Object.entries(FORMS)) expect(form.data.kind).toBe(kind);
    // Only the buttons that answer with a form may skip Discord's silent acknowledgement.
    expect(actions.filter((a) => BUTTONS[a].data.opensForm).sort()).toEqual(['remix', 'use-ref']);
  });
});

describe('/flux', () => {
  it('offers size presets, priced for the model picked, and nothing for an option without presets', async () => {
    const { commands } = await setup();
    const sizes = commands.autocomplete('flux', 'size', '1536', { model: 'max' });
    expect(sizes.length).toBeGreaterThan(0);
    for (const choice of sizes) expect(choice.value).toMatch(/^1536x\d+$|^\d+x1536$/);
    expect(sizes.map((c) => c.name).join(' ')).not.toEqual(
      commands
        .autocomplete('flux', 'size', '1536', { model: 'klein-4b' })
        .map((c) => c.name)
        .join(' '),
    );
    expect(commands.autocomplete('flux', 'prompt', 'a fox', {})).toEqual([]);
    expect(commands.autocomplete('flux-usage', 'size', '1536', {})).toEqual([]);
  });

  it('answers a bad option privately, naming it, and shows no card and spends nothing', async () => {
    const { h, commands } = await setup();
    const ctx = ana();
    const job = await commands.run('flux', ctx, { text: 'a fox --modle max' });
    expect(job).toBeUndefined();
    expect(texts(ctx)).toHaveLength(1);
    expect(texts(ctx)[0]).toContain('Unknown option `--modle`');
    expect(texts(ctx)[0]).toContain('--model');
    expect(ctx.cards).toEqual([]);
    expect(h.provider.submits).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('answers an option the model does not take, from typed options, before any card', async () => {
    const { h, commands } = await setup();
    const ctx = ana();
    await commands.run('flux', ctx, { input: { prompt: 'a fox', model: 'pro', steps: 20 } });
    expect(texts(ctx)).toEqual([expect.stringContaining('`steps` (got `20`): allowed only with model flex')]);
    expect(ctx.cards).toEqual([]);
    expect(h.provider.submits).toEqual([]);
  });

  it('refuses what would go over a budget, privately, before the card, and queues nothing', async () => {
    const { h, commands } = await setup({ budgets: [{ scope: 'user', period: 'day', limitMicros: 1_000 }] });
    const ctx = ana();
    const job = await commands.run('flux', ctx, { text: 'a fox --model klein-4b' });
    expect(job).toBeUndefined();
    expect(texts(ctx)).toEqual([
      expect.stringMatching(
        /^This would go over your daily budget: \$0\.001 left of \$0\.001 .*; it needs ~\$0\.015\./,
      ),
    ]);
    expect(texts(ctx)[0]).toContain('Nothing was queued or charged.');
    expect(ctx.cards).toEqual([]);
    expect(h.provider.submits).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('shows the card first, then queues the job and records where it was asked', async () => {
    const { h, commands } = await setup();
    const ctx = ana();
    const job = await commands.run('flux', ctx, { text: '"a fox" --model klein-4b --seed 3' });
    expect(job?.request).toMatchObject({ prompt: 'a fox', model: 'klein-4b', seed: 3 });
    expect(job?.origin).toMatchObject({
      platform: 'slack',
      userId: 'U_ANA',
      workspaceId: 'T1',
      channelId: 'C1',
    });
    expect(ctx.replies).toEqual([]);
    // The first card already names the job it becomes: its Cancel works from the start.
    expect(ctx.cards[0]).toMatchObject({
      status: 'Queued',
      buttons: [{ action: 'cancel', jobId: job?.id, label: 'Cancel' }],
      final: false,
    });
    // Its place comes with the job's 'queued' event, through the flux sink (live-card tests).
    expect(ctx.cards.every((c) => !c.final)).toBe(true);
    await h.waitingFor(1);
    expect((await h.jobs.get(job?.id as string))?.delivery).toMatchObject({ fake: true, cardShown: true });
  });

  it('answers `help` with the syntax from the option definition, and nothing else', async () => {
    const { h, commands } = await setup();
    const ctx = ana();
    await commands.run('flux', ctx, { text: ' help ' });
    expect(texts(ctx)).toHaveLength(1);
    expect(texts(ctx)[0]).toContain('`--model max`');
    expect(ctx.cards).toEqual([]);
    expect(h.events).toEqual([]);
  });
});

describe('buttons', () => {
  /** A job held for confirmation: it stays cancellable while the test presses buttons. */
  async function heldJob() {
    const s = await setup({ confirmThresholdMicros: 0 });
    const owner = ana();
    const job = await s.commands.run('flux', owner, { text: 'a fox --model klein-4b' });
    expect((await s.h.jobs.get(job?.id as string))?.state).toBe('awaiting_confirmation');
    return { ...s, owner, jobId: job?.id as string };
  }

  it('refuses Cancel from someone who is neither the requester nor an admin, and leaves the job', async () => {
    const { h, commands, jobId } = await heldJob();
    const other = bob();
    await commands.button(other, 'cancel', jobId);
    expect(texts(other)).toEqual(['Only the person who asked for this image or an admin can cancel it.']);
    expect((await h.jobs.get(jobId))?.state).toBe('awaiting_confirmation');
  });

  it('lets the requester cancel, and an admin of the workspace too', async () => {
    const first = await heldJob();
    await first.commands.button(first.owner, 'cancel', first.jobId);
    expect((await first.h.jobs.get(first.jobId))?.state).toBe('cancelled');
    expect(first.owner.replies.filter((r) => r.text.startsWith('Only'))).toEqual([]);

    const second = await heldJob();
    const admin = bob({ isAdmin: true });
    await second.commands.button(admin, 'cancel', second.jobId);
    expect(texts(admin)).toEqual([]);
    expect((await second.h.jobs.get(second.jobId))?.state).toBe('cancelled');
  });

  it('lets only the requester confirm, not even an admin', async () => {
    const { h, commands, jobId, owner } = await heldJob();
    const admin = bob({ isAdmin: true });
    await commands.button(admin, 'confirm', jobId);
    expect(texts(admin)).toEqual(['Only the person who asked for this image can confirm it.']);
    expect(h.provider.submits).toEqual([]);
    await commands.button(owner, 'confirm', jobId);
    await h.waitingFor(1);
    expect(h.provider.submits).toHaveLength(1);
  });

  it('answers a job of another workspace like an unknown one', async () => {
    const { commands, jobId } = await heldJob();
    const elsewhere = createFakeContext({
      actor: { id: 'U_ANA', name: 'Ana', isAdmin: true },
      workspaceId: 'T2',
    });
    await commands.button(elsewhere, 'remix', jobId);
    expect(texts(elsewhere)).toEqual([
      'This image is no longer known to the bot (it may have been deleted).',
    ]);
    expect(elsewhere.forms).toEqual([]);
  });

  it('opens the Remix form for anyone who may see the job, prefilled from it', async () => {
    const { commands, jobId } = await heldJob();
    const other = bob();
    await commands.button(other, 'remix', jobId);
    expect(other.forms).toHaveLength(1);
    expect(other.forms[0]?.id).toBe(`remix:${jobId}`);
    expect(other.forms[0]?.fields.find((f) => f.name === 'prompt')?.value).toBe('a fox');
    expect(other.forms[0]?.fields.find((f) => f.name === 'model')?.value).toBe('klein-4b');
  });
});

describe('forms', () => {
  it('refuses Use as reference on a job with no posted images, privately, and starts nothing', async () => {
    const { h, commands } = await setup({ confirmThresholdMicros: 0 });
    const job = await commands.run('flux', ana(), { text: 'a fox --model klein-4b' });
    const other = bob();
    const made = await commands.form(other, `ref:${job?.id}`, { prompt: 'in blue' });
    expect(made).toBeUndefined();
    expect(texts(other)).toEqual([
      expect.stringContaining('`reference` (got `a result with no images left`)'),
    ]);
    expect(other.cards).toEqual([]);
    expect(h.provider.submits).toEqual([]);
  });

  it('answers a form this version does not know like a job it does not know', async () => {
    const { commands } = await setup();
    const ctx = ana();
    await commands.form(ctx, 'sketch:j1', { prompt: 'a fox' });
    expect(texts(ctx)).toEqual(['This image is no longer known to the bot (it may have been deleted).']);
    expect(ctx.cards).toEqual([]);
  });

  it('runs a new-image form with its --ref links resolved by the context', async () => {
    const { commands } = await setup();
    const ctx = ana();
    const job = await commands.form(ctx, 'new', {
      prompt: 'a fox',
      model: 'klein-4b',
      options: '--count 2 --ref https://img.example/a.png',
    });
    expect(ctx.resolved).toEqual([['https://img.example/a.png']]);
    expect(job?.request).toMatchObject({
      prompt: 'a fox',
      count: 2,
      references: [{ url: 'https://img.example/a.png' }],
    });
  });
});

describe('/flux-usage and /flux-admin', () => {
  it('answers usage privately with the spend and a chart', async () => {
    const { commands } = await setup({ budgets: [{ scope: 'user', period: 'day', limitMicros: 1_000_000 }] });
    const ctx = ana();
    await commands.run('flux-usage', ctx);
    expect(ctx.replies).toHaveLength(1);
    expect(ctx.replies[0]?.text).toMatch(/^\*\*Your spend\*\*: today \$0\.00 · this month \$0\.00/);
    expect(ctx.replies[0]?.text).toContain('your daily budget: $1.00 left of $1.00');
    expect(ctx.replies[0]?.images.map((i) => [i.name, i.contentType])).toEqual([
      ['flux-usage.png', 'image/png'],
    ]);
    expect(ctx.cards).toEqual([]);
  });

  it('refuses admin commands from a member who may not configure, and changes nothing', async () => {
    const { h, commands } = await setup();
    const ctx = bob({ isAdmin: true, canConfigure: false });
    await commands.run('flux-admin', ctx, { text: 'budget user day $1' });
    expect(texts(ctx)).toEqual(['Only server admins can change FLUX settings.']);
    expect(h.store.getSettings('slack', 'T1')).toBeUndefined();
  });

  it('saves what an admin sets, and shows the settings for an empty command', async () => {
    const { h, commands } = await setup();
    const ctx = bob({ canConfigure: true });
    await commands.run('flux-admin', ctx, { text: 'budget user day $1' });
    expect(texts(ctx)[0]).toMatch(/^Saved\./);
    expect(h.store.getSettings('slack', 'T1')?.budgets).toEqual([
      { scope: 'user', period: 'day', limitMicros: 1_000_000 },
    ]);
    await commands.run('flux-admin', ctx, { text: '  ' });
    expect(texts(ctx)[1]).toContain('*Budgets*');
    expect(texts(ctx)[1]).toContain('each user: $1.00 a day');
  });
});
