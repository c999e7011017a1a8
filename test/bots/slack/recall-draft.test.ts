/**
 * Recall and drafts on Slack, against the fake Slack and the fake BFL: a result's short id, `/flux show`
 * and `/flux history` answered privately (nothing for another member or workspace, and `/flux show me
 * a fox` still a prompt), a draft submitted cheaply and Final with the same seed and size.
 */
import { describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../fakes/slack-server.ts';
import { blockAction, commandBody, postForm, USER } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const t = useSlackApp({ bfl: { generationMs: 20 } });

const details = () => [...t.slack.messages.values()].filter((m) => m.threadTs);
const flux = (text: string, over: Record<string, string> = {}) =>
  postForm(t.port, commandBody(text, t.slack, over));
const privately = (user = USER) => [
  ...t.slack.ephemerals.filter((e) => e.user === user).map((e) => e.text),
  ...t.slack.responses.map((r) => String(r.body.text)),
];
/** The next private answer, after the `seen` already read. */
const answer = (seen: number, user = USER) =>
  until(() => privately(user)[seen], 5_000, `private answer ${seen + 1}`);
const buttonId = (m: SlackMessage, action: string) =>
  JSON.stringify(m.blocks).match(new RegExp(`flux:${action}:[0-9a-f-]+`))?.[0] as string;

describe('recall on Slack', () => {
  it('shows the short id on the result, and the job privately with /flux show and /flux history', async () => {
    await flux('a red fox --model klein-4b --seed 42');
    const result = await until(() => details()[0], 10_000, 'result');
    const jobId = buttonId(result, 'reroll').slice('flux:reroll:'.length);
    const short = `#${jobId.slice(0, 8)}`;
    expect(JSON.stringify(result.blocks)).toContain(short);
    // The details message is posted before the job is recorded delivered.
    await until(async () => (await t.app.jobs.get(jobId))?.state === 'delivered', 5_000, 'delivered');

    await flux(`show ${short}`);
    const shown = await answer(0);
    expect(shown.split('\n')[0]).toBe(`*Job ${short}* · Delivered`);
    expect(shown).toContain('Prompt: `a red fox`');
    expect(shown).toContain(
      'To make it again: `/flux a red fox --model klein-4b --size 1024x1024 --seed 42 --count 1 --safety 2 --format jpeg`',
    );

    // Another member, and an admin of another workspace, hear only that there is no such job.
    await flux(`show ${short}`, { user_id: 'U200' });
    expect(await answer(0, 'U200')).toBe(
      `No job \`${short}\` that you can see here. \`/flux history\` lists your recent jobs.`,
    );
    t.slack.admins.add('U300');
    await flux(`show ${short}`, { user_id: 'U300', team_id: 'T2' });
    expect(await answer(0, 'U300')).not.toContain('a red fox');

    await flux('history');
    const history = await answer(1);
    expect(history.split('\n')[0]).toBe('*Your last 1 jobs here*');
    expect(history).toContain(`\`${short}\` · Delivered · $0.`);
    expect(t.bfl.counts.submits).toBe(1);
  });

  it('reads `/flux show me a fox` as a prompt, not as a job id', async () => {
    await flux('show me a fox --model klein-4b');
    await until(() => t.bfl.tasks.size === 1, 5_000, 'submitted');
    expect([...t.bfl.tasks.values()][0]?.body).toMatchObject({ prompt: 'show me a fox' });
  });
});

describe('draft, then final, on Slack', () => {
  it('drafts on klein-4b by the default prices, and Final renders pro with the same seed and size', async () => {
    await flux('a red fox --draft --seed 5 --size 1360x768');
    const draft = await until(() => details()[0], 10_000, 'draft result');
    expect([...t.bfl.tasks.values()][0]).toMatchObject({
      model: 'flux-2-klein-4b',
      body: { prompt: 'a red fox', seed: 5, width: 1360, height: 768 },
    });
    const blocks = JSON.stringify(draft.blocks);
    expect(blocks).toContain('Final · FLUX.2 [pro] ~$0.045');
    expect(blocks).toContain('FLUX.2 [pro] at full quality, same prompt, seed and size · ~$0.045');

    await postForm(t.port, { payload: JSON.stringify(blockAction(buttonId(draft, 'final'))) });
    await until(() => t.bfl.tasks.size === 2, 10_000, 'final submitted');
    const final = [...t.bfl.tasks.values()][1];
    expect(final?.model).toBe('flux-2-pro');
    expect(final?.body).toMatchObject({ prompt: 'a red fox', seed: 5, width: 1360, height: 768 });

    // Someone else may not spend on it.
    await postForm(t.port, {
      payload: JSON.stringify(blockAction(buttonId(draft, 'final'), { user: 'U200' })),
    });
    expect(await answer(0, 'U200')).toBe(
      'Only the person who asked for this image or an admin can finalize it.',
    );
    expect(t.bfl.tasks.size).toBe(2);
  });
});
