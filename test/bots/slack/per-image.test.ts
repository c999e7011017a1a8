/**
 * One image of four on Slack, against the fakes: a result of four images carries an actions block of
 * numbered buttons per action, and each acts on its own image alone (what the fake BFL received is
 * asserted: Slack references reach BFL as the file's bytes).
 */
import { describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../fakes/slack-server.ts';
import { blockAction, commandBody, postForm, viewSubmission } from '../../support/slack.ts';
import { deliveredResult, useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const t = useSlackApp({ bfl: { generationMs: 20 } });

const details = () => [...t.slack.messages.values()].filter((m) => m.threadTs);
const bodies = () => [...t.bfl.tasks.values()].map((task) => task.body);
const flux = (text: string) => postForm(t.port, commandBody(text, t.slack));
const press = (actionId: string) => postForm(t.port, { payload: JSON.stringify(blockAction(actionId)) });

type Actions = { type: string; elements?: Array<{ action_id: string; text: { text: string } }> };
const actionRows = (m: SlackMessage) =>
  (m.blocks as Actions[])
    .filter((b) => b.type === 'actions')
    .map((b) => (b.elements ?? []).map((e) => [e.text.text, e.action_id]));

async function fourImages(): Promise<{ result: SlackMessage; jobId: string }> {
  await flux('four foxes --model klein-4b --size 512x768 --seed 100 --count 4');
  const result = await deliveredResult(t);
  const del = JSON.stringify(result.blocks).match(/flux:delete:([0-9a-f-]+)/);
  return { result, jobId: del?.[1] ?? '' };
}

describe('one image of four, on Slack', () => {
  it('shows the job’s buttons, then one actions block of numbered buttons per action', async () => {
    const { result, jobId } = await fourImages();
    // One message: the four images attached in the order of their numbered buttons, under the details.
    const names = (result.files ?? []).map((id) => t.slack.uploads.get(id)?.filename);
    expect(names).toEqual(['flux-100.jpg', 'flux-101.jpg', 'flux-102.jpg', 'flux-103.jpg']);
    expect(result.blocks.map((b) => b.type)).toEqual([
      'section',
      'section',
      'actions',
      'actions',
      'actions',
      'actions',
    ]);
    const rows = actionRows(result);
    expect(rows[0]?.map(([label]) => label)).toEqual(['Reroll', 'Remix', 'Use as reference', 'Delete']);
    expect(rows.slice(1)).toEqual([
      [0, 1, 2, 3].map((i) => [`Reroll ${i + 1}`, `flux:reroll@${i}:${jobId}`]),
      [0, 1, 2, 3].map((i) => [`Remix ${i + 1}`, `flux:remix@${i}:${jobId}`]),
      [0, 1, 2, 3].map((i) => [`Use ${i + 1} as reference`, `flux:use-ref@${i}:${jobId}`]),
    ]);
  });

  it('"use image 3 as reference" sends exactly that image’s bytes to BFL, and no other', async () => {
    const { result, jobId } = await fourImages();
    const files = [...t.slack.uploads.entries()] as Array<[string, { data: Buffer }]>;
    const uploaded = files.map(([, u]) => u.data.toString('base64'));
    expect(uploaded).toHaveLength(4);
    expect(result.files).toEqual(files.map(([id]) => id));
    const before = t.slack.calls.length;
    await press(`flux:use-ref@2:${jobId}`);
    const opened = await until(() => t.slack.views[0], 5_000, 'modal');
    expect(opened.view).toMatchObject({ callback_id: `flux:form:ref:${jobId}@2` });
    await postForm(t.port, {
      payload: JSON.stringify(viewSubmission(opened.view, { prompt: 'the third fox in spring' })),
    });
    await until(() => details().length === 2, 10_000, 'the new image');
    expect(bodies()).toHaveLength(5);
    const sent = bodies().at(-1) as Record<string, unknown>;
    expect(sent.input_image).toBe(uploaded[2]);
    expect(sent.input_image_2).toBeUndefined();
    // The fake draws every seed alike: which file was read is what tells image 3 from the others.
    // (The new result's own lookup of where Slack shared it reads its new file: not one of these.)
    const read = t.slack.calls
      .slice(before)
      .filter((c) => c.method === 'files.info' && files.some(([id]) => id === c.params.file))
      .map((c) => c.params.file);
    expect(read).toEqual([files[2]?.[0]]);
  });

  it('rerolls image 2 alone: its settings, one image, a new seed', async () => {
    const { jobId } = await fourImages();
    expect(bodies().map((b) => b.seed)).toEqual([100, 101, 102, 103]);
    await press(`flux:reroll@1:${jobId}`);
    await until(() => details().length === 2, 10_000, 'the rerolled image');
    const after = bodies().slice(4);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ prompt: 'four foxes', width: 512, height: 768 });
    expect(after[0]?.seed).not.toBe(101);
  });
});
