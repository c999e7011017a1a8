/**
 * Final per image on Slack, against the fake Slack and the fake BFL: a draft of four images carries,
 * beside the job's Final, an actions block Final 1 … 4; each renders its own image alone — one image,
 * that image's seed, on the final model — and the job's Final (its action_id unchanged since before
 * per-image Finals, so posted drafts still work) renders all four.
 */
import { describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../fakes/slack-server.ts';
import { blockAction, commandBody, postForm, USER } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const t = useSlackApp({ bfl: { generationMs: 20 } });

const details = () => [...t.slack.messages.values()].filter((m) => m.threadTs);
const tasks = () => [...t.bfl.tasks.values()];
const flux = (text: string) => postForm(t.port, commandBody(text, t.slack));
const press = (actionId: string, user = USER) =>
  postForm(t.port, { payload: JSON.stringify(blockAction(actionId, { user })) });

type Actions = { type: string; elements?: Array<{ action_id: string; text: { text: string } }> };
const actionRows = (m: SlackMessage) =>
  (m.blocks as Actions[])
    .filter((b) => b.type === 'actions')
    .map((b) => (b.elements ?? []).map((e) => [e.text.text, e.action_id]));
const jobOf = (m: SlackMessage) => JSON.stringify(m.blocks).match(/flux:delete:([0-9a-f-]+)/)?.[1] ?? '';

async function fourDrafts(): Promise<{ result: SlackMessage; jobId: string }> {
  await flux('four foxes --draft --size 512x768 --seed 100 --count 4');
  const result = await until(() => details()[0], 10_000, 'the four drafts');
  expect(tasks().map((task) => [task.model, task.body.seed])).toEqual(
    [100, 101, 102, 103].map((seed) => ['flux-2-klein-4b', seed]),
  );
  return { result, jobId: jobOf(result) };
}

describe('Final per image, on Slack', () => {
  it('adds an actions block Final 1 … 4 under the per-image ones, the job’s Final kept first', async () => {
    const { result, jobId } = await fourDrafts();
    const rows = actionRows(result);
    expect(rows.map((row) => row.length)).toEqual([5, 4, 4, 4, 4]);
    expect(rows[0]?.[0]).toEqual(['Final · FLUX.2 [pro] ~$0.12', `flux:final:${jobId}`]);
    expect(rows.slice(1).map((row) => row[0]?.[0])).toEqual([
      'Reroll 1',
      'Remix 1',
      'Use 1 as reference',
      'Final 1 ~$0.03',
    ]);
    expect(rows[4]).toEqual([0, 1, 2, 3].map((i) => [`Final ${i + 1} ~$0.03`, `flux:final@${i}:${jobId}`]));
    // Both costs, as on any draft: the draft's actual, the final's estimate for all four.
    const blocks = JSON.stringify(result.blocks);
    expect(blocks).toContain('FLUX.2 [pro] at full quality, same prompt, seed and size · ~$0.12');
  });

  it('Final 2 renders image 2 alone: one image, its seed, on the final model; no one else may', async () => {
    const { jobId } = await fourDrafts();
    await press(`flux:final@1:${jobId}`, 'U200');
    const refusal = await until(
      () =>
        [
          ...t.slack.ephemerals.filter((e) => e.user === 'U200').map((e) => e.text),
          ...t.slack.responses.map((r) => String(r.body.text)),
        ][0],
      5_000,
      'refusal',
    );
    expect(refusal).toBe('Only the person who asked for this image or an admin can finalize it.');
    expect(tasks()).toHaveLength(4);

    await press(`flux:final@1:${jobId}`);
    const final = await until(() => details()[1], 10_000, 'the final of image 2');
    expect(tasks().slice(4)).toEqual([
      expect.objectContaining({
        model: 'flux-2-pro',
        body: expect.objectContaining({ prompt: 'four foxes', seed: 101, width: 512, height: 768 }),
      }),
    ]);
    const job = await t.app.jobs.get(jobOf(final));
    expect(job?.request).toMatchObject({ model: 'pro', seed: 101, count: 1, width: 512, height: 768 });
    expect(job?.parentId).toBe(jobId);
  });

  it('the job’s Final, as posted before per-image ones, still renders all four', async () => {
    const { jobId } = await fourDrafts();
    await press(`flux:final:${jobId}`);
    const final = await until(() => details()[1], 10_000, 'the final of all four');
    expect(
      tasks()
        .slice(4)
        .map((task) => [task.model, task.body.seed]),
    ).toEqual([100, 101, 102, 103].map((seed) => ['flux-2-pro', seed]));
    expect((await t.app.jobs.get(jobOf(final)))?.request).toMatchObject({ model: 'pro', count: 4 });
  });

  it('keeps a single Final on a one-image draft', async () => {
    await flux('one fox --draft --seed 5');
    const result = await until(() => details()[0], 10_000, 'the draft');
    const rows = actionRows(result);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.filter(([, id]) => id?.startsWith('flux:final'))).toEqual([
      ['Final · FLUX.2 [pro] ~$0.045', `flux:final:${jobOf(result)}`],
    ]);
  });
});
