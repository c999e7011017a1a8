import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.ts';
import { blockAction, commandBody, postForm, USER } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const ALLOWED = 'U555';
const t = useSlackApp({
  bfl: { generationMs: 20 },
  config: (c) => ({ ...c, slack: { ...(c.slack as NonNullable<Config['slack']>), adminUsers: [ALLOWED] } }),
});

const flux = (text: string, user = USER) => postForm(t.port, commandBody(text, t.slack, { user_id: user }));
const replyTo = (user: string, n = 1) =>
  until(() => t.slack.ephemerals.filter((e) => e.user === user)[n - 1], 5_000, `reply ${n} to ${user}`);

describe('cost control on Slack', () => {
  it('refuses /flux admin to a member, and accepts it from a workspace admin and from the allow-list', async () => {
    await flux('admin budget user day $1');
    expect((await replyTo(USER)).text).toBe('Only server admins can change FLUX settings.');
    t.slack.admins.add('U900');
    await flux('admin budget user day $0.05', 'U900');
    expect((await replyTo('U900')).text).toContain('Saved.');
    await flux('admin show', ALLOWED);
    expect((await replyTo(ALLOWED)).text).toContain('each user: $0.05 a day');
  });

  it('shows an admin the month’s spend next to the provider balance, or "unavailable"', async () => {
    t.bfl.configure({ credits: 250 });
    await flux('admin show', ALLOWED);
    expect((await replyTo(ALLOWED)).text).toContain(
      '*This month*: $0.00 spent here · provider balance $2.50',
    );
    t.bfl.configure({ creditsStatus: 503 });
    await flux('admin show', ALLOWED);
    expect((await replyTo(ALLOWED, 2)).text).toContain('provider balance unavailable');
  });

  it('refuses a job over the budget with what is left, after one that fit', async () => {
    await flux('admin budget user day $0.05', ALLOWED);
    await replyTo(ALLOWED);
    await flux('first fox --model pro');
    const details = await until(
      () => [...t.slack.messages.values()].find((m) => m.threadTs),
      10_000,
      'details',
    );
    // How much of a budget is used is the requester's to know: privately, not in the public thread.
    const warning = await replyTo(USER);
    expect(warning.text).toMatch(/^⚠️ 90% used — your daily budget: \$0\.005 left of \$0\.05/);
    expect(JSON.stringify(details.blocks)).not.toContain('% used');
    await flux('second fox --model pro');
    const refusal = (await replyTo(USER, 2)).text;
    expect(refusal).toMatch(/would go over your daily budget: \$0\.005 left of \$0\.05/);
    expect(refusal).toContain('Even klein-4b at this size (≈ $0.015) would not fit until it resets.');
    expect(t.bfl.counts.submits).toBe(1);
  });

  it('holds a costly job for the requester’s Confirm button, asked privately; the card appears once confirmed', async () => {
    await flux('admin confirm $0.01', ALLOWED);
    await replyTo(ALLOWED);
    const before = t.slack.messages.size;
    await flux('costly fox --model klein-4b');
    const question = await replyTo(USER);
    expect(question.text).toContain('estimated at *~$0.015*');
    const actions = question.blocks?.find((b) => b.type === 'actions') as
      | { elements: Array<{ action_id: string }> }
      | undefined;
    expect(actions?.elements.map((e) => e.action_id)).toEqual([
      expect.stringMatching(/^flux:confirm:/),
      expect.stringMatching(/^flux:cancel:/),
    ]);
    expect(t.bfl.counts.submits).toBe(0);
    expect(t.slack.messages.size).toBe(before);
    const confirm = actions?.elements[0]?.action_id as string;
    await postForm(t.port, { payload: JSON.stringify(blockAction(confirm, { user: 'U777' })) });
    expect((await replyTo('U777')).text).toContain('Only the person who asked');
    expect(t.slack.messages.size).toBe(before);
    await postForm(t.port, { payload: JSON.stringify(blockAction(confirm)) });
    const card = await until(
      () => [...t.slack.messages.values()].find((m) => !m.threadTs && m.text.includes('costly fox')),
      5_000,
      'public card once confirmed',
    );
    expect(card.channel).toBe('C100');
    await until(() => [...t.slack.messages.values()].find((m) => m.threadTs), 10_000, 'details');
  });

  it('shows usage with a chart to a member, and server totals to an admin', async () => {
    await flux('spent fox --model klein-4b');
    await until(() => [...t.slack.messages.values()].find((m) => m.threadTs), 10_000, 'details');
    await flux('usage');
    const mine = await replyTo(USER);
    expect(mine.text).toContain('*Your spend*: today $0.045');
    expect(mine.text).not.toContain('**');
    const image = mine.blocks?.find((b) => b.type === 'image') as
      | { slack_file: { id: string }; alt_text: string }
      | undefined;
    // Said in words for whoever cannot see the chart: what it is, the total, the highest day.
    const today = new Date().toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
    expect(image?.alt_text).toBe(
      `Bar chart of your spend, last 30 days, by day: total $0.045; highest $0.045 on ${today}; spending on 1 of 30 days.`,
    );
    const upload = t.slack.uploads.get(image?.slack_file.id ?? '');
    expect(upload?.completed).toBe(true);
    expect(upload?.data.subarray(1, 4).toString()).toBe('PNG');
    await flux('usage', ALLOWED);
    expect((await replyTo(ALLOWED)).text).toContain('*Server this month*: $0.045');
  });
});

describe('admins of another workspace in a Slack Connect channel', () => {
  const GUEST_ADMIN = 'U800';
  const HOST_ADMIN = 'U900';
  beforeEach(() => {
    // Both are admins, per users.info, of their own team; only one of them is of this workspace (T1).
    t.slack.admins.add(GUEST_ADMIN);
    t.slack.userTeams.set(GUEST_ADMIN, 'T2');
    t.slack.admins.add(HOST_ADMIN);
  });

  it('refuses /flux admin to the guest admin and leaves the settings as they were; a host admin still changes them', async () => {
    await flux('admin budget server day $0.01', GUEST_ADMIN);
    expect((await replyTo(GUEST_ADMIN)).text).toBe('Only server admins can change FLUX settings.');
    await flux('admin show', ALLOWED);
    expect((await replyTo(ALLOWED)).text).toMatch(/\*Budgets\*\n• none\n/);

    await flux('admin budget server day $0.01', HOST_ADMIN);
    expect((await replyTo(HOST_ADMIN)).text).toContain('Saved.');
    await flux('admin show', ALLOWED);
    expect((await replyTo(ALLOWED, 2)).text).toContain('• server: $0.01 a day');
  });

  it('shows the guest admin only their own spend, and lets them cancel nobody else’s job', async () => {
    await flux('admin confirm $0.01', ALLOWED);
    await replyTo(ALLOWED);
    await flux('a host member’s fox --model klein-4b');
    // Asked privately: the Cancel button is in the requester's own (ephemeral) question.
    const card = await until(
      () => t.slack.ephemerals.find((m) => JSON.stringify(m.blocks).includes('flux:cancel:')),
      5_000,
      'question with Cancel',
    );
    const cancel = JSON.stringify(card.blocks).match(/flux:cancel:([0-9a-f-]+)/) as RegExpMatchArray;
    // A press without user.team_id leaves users.info as the only word on which team the presser is of.
    const press = blockAction(cancel[0], { user: GUEST_ADMIN });
    delete (press.user as { team_id?: string }).team_id;
    await postForm(t.port, { payload: JSON.stringify(press) });
    expect((await replyTo(GUEST_ADMIN)).text).toContain('Only the person who asked for this image');
    expect((await t.app.jobs.get(cancel[1] as string))?.state).toBe('awaiting_confirmation');

    await flux('usage', GUEST_ADMIN);
    const usage = (await replyTo(GUEST_ADMIN, 2)).text;
    expect(usage).toContain('*Your spend*');
    expect(usage).not.toContain('*Server this month*');
  });
});

describe('a refused job leaves no public trace', () => {
  it('answers a budget refusal privately without posting a card in the channel', async () => {
    await flux('admin budget user day $0.01', ALLOWED);
    await replyTo(ALLOWED);
    const before = t.slack.messages.size;
    await flux('too costly --model pro');
    expect((await replyTo(USER)).text).toContain('would go over your daily budget');
    expect(t.slack.messages.size).toBe(before);
  });
});
