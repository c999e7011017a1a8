import { describe, expect, it } from 'vitest';
import { commandBody, postForm, slackWebClient, USER } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

interface Block {
  type: string;
  block_id: string;
  dispatch_action?: boolean;
  elements?: Array<{ text: string }>;
  element?: { initial_value?: string; initial_option?: { value: string } };
}
type View = { callback_id: string; private_metadata: string; blocks: Block[] };

const member = { user: USER, name: 'ana' };
const ids = (view: View) => view.blocks.map((b) => b.block_id);
const note = (view: View) => view.blocks.find((b) => b.block_id === 'note')?.elements?.[0]?.text;
const block = (view: View, id: string) => view.blocks.find((b) => b.block_id === id);

describe('the new-image form redrawn on Slack as the member chooses', () => {
  const t = useSlackApp({ bfl: { generationMs: 20 }, logs: true });

  /** `/flux` alone: the form Slack opened, its id, and its hash as views.open answered it. */
  async function openForm(): Promise<{ view: View; viewId: string; hash: string }> {
    await postForm(t.port, commandBody('', t.slack));
    const opened = await until(() => t.slack.views[0], 5_000, 'the form');
    const [viewId, record] = [...t.slack.modals.byId][0] ?? ['', { hash: '' }];
    return { view: opened.view as unknown as View, viewId, hash: record.hash };
  }

  /** The member changes a field; a field that redraws the form is sent to the app, and acked empty. */
  async function choose(viewId: string, field: string, value: string) {
    const payload = t.slack.modals.enter(viewId, field, value, member);
    if (!payload) return undefined;
    return postForm(t.port, { payload: JSON.stringify(payload) });
  }

  const drawn = (n: number) =>
    until(() => t.slack.modals.updated[n]?.view as unknown as View | undefined, 5_000, `redraw ${n + 1}`);

  it("opens short: the default model's options, and the estimate under the choices it is priced from", async () => {
    const { view } = await openForm();
    expect(ids(view)).not.toContain('steps');
    expect(ids(view)).not.toContain('guidance');
    // pro, 1024x1024 (1.05 MP, billed as 2), one image: $0.03 the first megapixel, $0.015 the next.
    expect(note(view)).toBe('Estimated cost: ~$0.045, plus any reference images');
    expect(block(view, 'note')?.type).toBe('context');
    expect(view.blocks.filter((b) => b.dispatch_action).map((b) => b.block_id)).toEqual([
      'model',
      'draft',
      'size',
      'count',
    ]);
  });

  it("opens with flex's options and price where flex is the workspace's default, in the member's language", async () => {
    t.slack.admins.add(USER);
    t.slack.userLocales.set(USER, 'zh-TW');
    await postForm(t.port, commandBody('admin default-model flex', t.slack));
    await until(() => t.slack.ephemerals[0], 5_000, 'settings saved');
    const { view } = await openForm();
    expect(ids(view)).toEqual(expect.arrayContaining(['steps', 'guidance', 'upsample']));
    expect(note(view)).toBe('預估費用：約 US$0.10，參考圖另計');
  });

  it('choosing flex redraws the form with its steps and guidance and its estimate, keeping the prompt', async () => {
    const { view: first, viewId, hash } = await openForm();
    // Typing the prompt is no choice that changes the form: Slack tells the app nothing.
    expect(await choose(viewId, 'prompt', 'a fox in the snow')).toBeUndefined();
    expect(await choose(viewId, 'model', 'flex')).toMatchObject({ status: 200, text: '' });
    const flex = await drawn(0);
    const call = t.slack.calls.find((c) => c.method === 'views.update');
    expect(call?.params).toMatchObject({ view_id: viewId, hash });
    expect(ids(flex).slice(-2)).toEqual(['steps', 'guidance']);
    expect(note(flex)).toBe('Estimated cost: ~$0.10, plus any reference images');
    expect(block(flex, 'prompt')?.element?.initial_value).toBe('a fox in the snow');
    expect(block(flex, 'model')?.element?.initial_option?.value).toBe('flex');
    expect([flex.callback_id, flex.private_metadata]).toEqual([first.callback_id, first.private_metadata]);

    // Size and count redraw the estimate: 1440x1440 bills as 3 MP at flex's $0.05, twice.
    await choose(viewId, 'size', '1440x1440');
    expect(note(await drawn(1))).toBe('Estimated cost: ~$0.15, plus any reference images');
    await choose(viewId, 'count', '2');
    expect(note(await drawn(2))).toBe('Estimated cost: ~$0.30, plus any reference images');

    t.slack.modals.enter(viewId, 'steps', '30', member);
    t.slack.modals.enter(viewId, 'guidance', '4', member);
    const submitted = t.slack.modals.submission(viewId, member);
    expect(await postForm(t.port, { payload: JSON.stringify(submitted) })).toMatchObject({ text: '' });
    // Above the $0.20 confirmation threshold: asked first, at the cost the form showed.
    const question = await until(() => t.slack.ephemerals[0], 5_000, 'the confirmation question');
    expect(question.text).toContain('~$0.30');
    const [, jobId] = JSON.stringify(question.blocks).match(/flux:confirm:([0-9a-f-]+)/) ?? [];
    expect((await t.app.jobs.get(jobId as string))?.request).toMatchObject({
      prompt: 'a fox in the snow',
      model: 'flex',
      width: 1440,
      count: 2,
      steps: 30,
      guidance: 4,
    });
  });

  it('leaving flex takes steps and guidance away, with what was typed in them', async () => {
    const { viewId } = await openForm();
    t.slack.modals.enter(viewId, 'prompt', 'a quick fox', member);
    await choose(viewId, 'model', 'flex');
    await drawn(0);
    t.slack.modals.enter(viewId, 'steps', '30', member);
    await choose(viewId, 'model', 'klein-4b');
    const klein = await drawn(1);
    // klein has no prompt upsampling either.
    for (const id of ['steps', 'guidance', 'upsample']) expect(ids(klein)).not.toContain(id);
    expect(note(klein)).toBe('Estimated cost: ~$0.015, plus any reference images');
    const submitted = t.slack.modals.submission(viewId, member);
    expect(await postForm(t.port, { payload: JSON.stringify(submitted) })).toMatchObject({ text: '' });
    const task = await until(() => [...t.bfl.tasks.values()][0], 10_000, 'the klein image');
    expect(task.model).toBe('flux-2-klein-4b');
    expect(task.body).not.toHaveProperty('steps');
  });

  it("a draft's estimate is the draft's and its final's", async () => {
    const { viewId } = await openForm();
    await choose(viewId, 'draft', 'on');
    // The draft runs on klein-4b ($0.015 for 2 MP); Final renders it on pro ($0.045).
    expect(note(await drawn(0))).toBe(
      'Estimated cost: ~$0.015 for the draft (its final ~$0.045), plus any reference images',
    );
  });

  it('draws the latest choice when choices race, whichever Slack delivers first', async () => {
    const { viewId, hash } = await openForm();
    // Three choices before Slack showed any redraw: all carry the hash the form opened with.
    const model = t.slack.modals.enter(viewId, 'model', 'flex', member);
    const size = t.slack.modals.enter(viewId, 'size', '1440x1440', member);
    const count = t.slack.modals.enter(viewId, 'count', '2', member);
    await postForm(t.port, { payload: JSON.stringify(model) });
    expect(note(await drawn(0))).toContain('$0.10');
    // The last choice meets the hash the first redraw outdated, and is drawn over that redraw.
    await postForm(t.port, { payload: JSON.stringify(count) });
    const latest = await drawn(1);
    // flex, 1440x1440 and two images: 3 MP at $0.05, twice.
    expect(note(latest)).toContain('$0.30');
    expect(ids(latest)).toContain('steps');
    const hashes = t.slack.calls.filter((c) => c.method === 'views.update').map((c) => c.params.hash);
    expect(hashes).toEqual([hash, hash, t.slack.modals.updated[1]?.hash]);
    expect(hashes[2]).not.toBe(hash);

    // Delivered last, the choice made before it (an older state) is not drawn over it.
    await postForm(t.port, { payload: JSON.stringify(size) });
    await until(() => t.logs.text().includes('made before the one drawn'), 5_000, 'the older choice left');
    expect(t.slack.modals.updated).toHaveLength(2);
  });

  it('the fake refuses a redraw over a stale hash or of a view it does not know, as Slack does', async () => {
    const { viewId, view } = await openForm();
    const client = slackWebClient(t.slack);
    const refused = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (err: { data?: { error?: string } }) => err.data?.error,
      );
    const modal = { ...view, type: 'modal' } as never;
    expect(await refused(client.views.update({ view_id: viewId, hash: '1.2', view: modal }))).toBe(
      'hash_conflict',
    );
    expect(await refused(client.views.update({ view_id: 'VNOPE', view: modal }))).toBe('not_found');
    const answer = await client.views.update({ view_id: viewId, view: modal });
    expect(answer.view).toMatchObject({ id: viewId, state: { values: {} } });
    expect(answer.view?.hash).toBe(t.slack.modals.byId.get(viewId)?.hash);
  });
});
