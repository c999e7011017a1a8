import { describe, expect, it } from 'vitest';
import { formValues, modalView } from '../../../src/bots/slack/modal.ts';
import { SIZE_PRESETS } from '../../../src/commands/flux/definition.ts';
import { MODEL_IDS } from '../../../src/core/models.ts';
import { makePng } from '../../fakes/images.ts';
import { blockAction, commandBody, postForm, USER, viewSubmission } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

interface ViewBlock {
  block_id: string;
  optional: boolean;
  element: {
    type: string;
    options?: Array<{ value: string }>;
    initial_option?: { value: string };
    initial_value?: string;
  };
}

/** A view_submission as Slack sends it: text inputs carry `value`, selects `selected_option`. */
function submit(view: Record<string, unknown>, texts: Record<string, string>, picks: Record<string, string>) {
  const payload = viewSubmission(view, texts);
  const values = payload.view.state.values as Record<string, Record<string, unknown>>;
  for (const [k, v] of Object.entries(picks))
    values[k] = { [k]: { type: 'static_select', selected_option: { value: v, text: { text: v } } } };
  return { payload: JSON.stringify(payload) };
}

/** What Slack submits for a view nobody touched: every initial value and initial option. */
function untouched(view: { blocks: ViewBlock[] }) {
  const texts: Record<string, string> = {};
  const picks: Record<string, string> = {};
  for (const b of view.blocks) {
    if (b.element.initial_option) picks[b.block_id] = b.element.initial_option.value;
    else if (b.element.initial_value !== undefined) texts[b.block_id] = b.element.initial_value;
  }
  return { texts, picks };
}

describe('the /flux form on Slack', () => {
  const t = useSlackApp({ bfl: { generationMs: 20 } });
  /** The action id of the first result's Remix button, once a result is posted. */
  const remixButton = () =>
    until(
      () =>
        [...t.slack.messages.values()]
          .map((m) => JSON.stringify(m.blocks).match(/flux:remix:[0-9a-f-]+/)?.[0])
          .find(Boolean),
      10_000,
      'result with Remix',
    );

  it("opens for /flux alone with the default model's options, the fixed choices as selects and no forced model or size", async () => {
    await postForm(t.port, commandBody('', t.slack));
    const opened = await until(() => t.slack.views[0], 5_000, 'modal');
    const view = opened.view as { callback_id: string; blocks: ViewBlock[] };
    expect(view.callback_id).toBe('flux:form:new');
    const byId = Object.fromEntries(view.blocks.map((b) => [b.block_id, b]));
    // Steps and guidance are flex's (form-redraw.test.ts); the estimate sits under the priced choices.
    expect(Object.keys(byId)).toEqual([
      'prompt',
      'model',
      'draft',
      'size',
      'count',
      'note',
      'format',
      'seed',
      'refs',
      'safety',
      'upsample',
    ]);
    for (const id of ['model', 'draft', 'size', 'count', 'format', 'safety', 'upsample'])
      expect(byId[id]?.element.type, id).toBe('static_select');
    expect(byId.model?.element.options?.map((o) => o.value)).toEqual([...MODEL_IDS]);
    expect(byId.size?.element.options?.map((o) => o.value)).toEqual(SIZE_PRESETS.map((p) => p.value));
    // Left unset, the workspace's default model and size apply (an admin setting).
    expect(byId.model?.element.initial_option).toBeUndefined();
    expect(byId.size?.element.initial_option).toBeUndefined();
    expect(byId.prompt?.optional).toBe(false);
    expect(byId.refs?.optional).toBe(true);
  });

  it('runs what the form submits: selects, seed, and a Slack file as reference', async () => {
    await postForm(t.port, commandBody('', t.slack));
    const opened = await until(() => t.slack.views[0], 5_000, 'modal');
    const file = t.slack.addFile('cat.png', makePng(16, 16));
    await postForm(
      t.port,
      submit(
        opened.view,
        { prompt: 'a form fox & friends', seed: '7', refs: `${file.url_private}\n` },
        { model: 'klein-4b', size: '1360x768', count: '2', format: 'png' },
      ),
    );
    await until(() => [...t.slack.messages.values()].some((m) => m.threadTs), 10_000, 'result');
    const bodies = [...t.bfl.tasks.values()].map((t) => t.body);
    expect(bodies.map((b) => [b.width, b.height, b.seed, b.output_format])).toEqual([
      [1360, 768, 7, 'png'],
      [1360, 768, 8, 'png'],
    ]);
    expect(bodies[0]?.prompt).toBe('a form fox & friends');
    expect(String(bodies[0]?.input_image)).toMatch(/^iVBOR/);
    expect(t.slack.fileRequests.map((r) => r.auth)).toEqual([`Bearer ${t.slack.botToken}`]);
  });

  it('shows a bad form value on its field and keeps the form open, queueing nothing', async () => {
    await postForm(t.port, commandBody('', t.slack));
    await until(() => t.slack.views[0], 5_000, 'modal');
    const [viewId] = [...t.slack.modals.byId.keys()] as [string];
    const member = { user: USER, name: 'ana' };
    t.slack.modals.enter(viewId, 'prompt', 'a fox', member);
    const flex = t.slack.modals.enter(viewId, 'model', 'flex', member);
    await postForm(t.port, { payload: JSON.stringify(flex) });
    await until(() => t.slack.modals.updated[0], 5_000, 'the form with the flex options');
    t.slack.modals.enter(viewId, 'steps', '80', member);
    const answer = await postForm(t.port, {
      payload: JSON.stringify(t.slack.modals.submission(viewId, member)),
    });
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.text) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors)).toEqual(['steps']);
    expect(body.errors.steps).toContain('1 to 50');
    // Plain text on the field: the value is quoted, not a code span shown as backticks.
    expect(body.errors.steps).not.toContain('`');
    await new Promise((r) => setTimeout(r, 200));
    expect(t.slack.ephemerals).toEqual([]);
    expect(t.slack.responses).toEqual([]);
    expect(t.slack.messages.size).toBe(0);
    expect(t.bfl.counts.submits).toBe(0);
  });

  it('puts a mistake typed among the options on the options field of a Remix form, in the member language', async () => {
    t.slack.userLocales.set(USER, 'zh-CN');
    await postForm(t.port, commandBody('a fox --seed 5', t.slack));
    const remix = await remixButton();
    await postForm(t.port, { payload: JSON.stringify(blockAction(remix)) });
    const opened = await until(() => t.slack.views[0], 5_000, 'remix modal');
    const form = untouched(opened.view as { blocks: ViewBlock[] });
    const answer = await postForm(
      t.port,
      submit(opened.view, { ...form.texts, options: '--bogus 3' }, form.picks),
    );
    const body = JSON.parse(answer.text) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors)).toEqual(['options']);
    expect(body.errors.options).toContain('--bogus');
    expect(body.errors.options).toMatch(/[\u4e00-\u9fff]/);
  });

  it('offers only the models the workspace allows, in the new-image form and in Remix', async () => {
    // An image made while every model was allowed (pro, the default), then the workspace narrows.
    t.slack.admins.add(USER);
    await postForm(t.port, commandBody('a fox', t.slack));
    const remix = await remixButton();
    const before = t.slack.ephemerals.length;
    await postForm(t.port, commandBody('admin models klein-4b,klein-9b', t.slack));
    await until(() => t.slack.ephemerals[before], 5_000, 'settings saved');
    const model = (view: unknown) =>
      (view as { blocks: ViewBlock[] }).blocks.find((b) => b.block_id === 'model')?.element;
    await postForm(t.port, commandBody('', t.slack));
    const form = model((await until(() => t.slack.views[0], 5_000, 'new-image form')).view);
    expect(form?.options?.map((o) => o.value)).toEqual(['klein-4b', 'klein-9b']);
    // Remix of the pro image: pro is not offered, nor kept as the choice; the member picks again.
    await postForm(t.port, { payload: JSON.stringify(blockAction(remix)) });
    const remixed = model((await until(() => t.slack.views[1], 5_000, 'remix form')).view);
    expect(remixed?.options?.map((o) => o.value)).toEqual(['klein-4b', 'klein-9b']);
    expect(remixed?.initial_option).toBeUndefined();
  });

  it('acks a good submission empty and closes the form', async () => {
    await postForm(t.port, commandBody('', t.slack));
    const opened = await until(() => t.slack.views[0], 5_000, 'modal');
    const answer = await postForm(t.port, submit(opened.view, { prompt: 'a fox' }, {}));
    expect(answer).toMatchObject({ status: 200, text: '' });
    await until(() => t.bfl.counts.submits > 0 || undefined, 5_000, 'generation');
  });
  it('remixes a flex image to klein without the steps, guidance and upsampling the form carried over', async () => {
    // Every job waits for its Confirm button: the flex image is never generated (flex takes ~20 s).
    t.slack.admins.add(USER);
    await postForm(t.port, commandBody('admin confirm $0.001', t.slack));
    await until(() => t.slack.ephemerals[0], 5_000, 'settings saved');
    const confirmCard = async (n: number) => {
      const card = await until(
        () => t.slack.ephemerals.filter((m) => JSON.stringify(m.blocks).includes('flux:confirm:'))[n],
        5_000,
        `question ${n + 1} with Confirm`,
      );
      return JSON.stringify(card.blocks).match(/flux:confirm:([0-9a-f-]+)/) as RegExpMatchArray;
    };
    await postForm(t.port, commandBody('a flex fox --model flex --steps 30 --guidance 4 --seed 5', t.slack));
    const [, flexJob] = await confirmCard(0);
    expect((await t.app.jobs.get(flexJob as string))?.request).toMatchObject({
      steps: 30,
      guidance: 4,
      upsample: true,
    });
    // The Remix button sits under a result; its press is the same payload on any job of the workspace.
    const openRemix = async (n: number) => {
      await postForm(t.port, { payload: JSON.stringify(blockAction(`flux:remix:${flexJob}`)) });
      const opened = await until(() => t.slack.views[n], 5_000, 'remix form');
      return { view: opened.view, ...untouched(opened.view as { blocks: ViewBlock[] }) };
    };

    // Only the model changed: the prefilled `--steps 30 --guidance 4` are the old image's, not a request.
    const form = await openRemix(0);
    expect(form.texts.options).toContain('--steps 30 --guidance 4');
    await postForm(t.port, submit(form.view, form.texts, { ...form.picks, model: 'klein-4b' }));
    const [confirm] = await confirmCard(1);
    await postForm(t.port, { payload: JSON.stringify(blockAction(confirm as string)) });
    const task = await until(() => [...t.bfl.tasks.values()][0], 10_000, 'remix submitted');
    expect(task.model).toBe('flux-2-klein-4b');
    expect(task.body).toMatchObject({ prompt: 'a flex fox', seed: 5 });
    for (const field of ['steps', 'guidance', 'prompt_upsampling'])
      expect(task.body).not.toHaveProperty(field);
    await until(() => [...t.slack.messages.values()].find((m) => m.threadTs), 10_000, 'remix result');

    // Steps the member typed for the new model are still refused, naming the option.
    const again = await openRemix(1);
    const typed = { ...again.texts, options: `${again.texts.options} --steps 40` };
    // Earlier private answers: the settings, and the two confirmation questions.
    const before = t.slack.ephemerals.length;
    const answer = await postForm(t.port, submit(again.view, typed, { ...again.picks, model: 'klein-4b' }));
    // On the field it was typed in, the form kept open: no private answer, nothing held for a Confirm.
    expect(JSON.parse(answer.text)).toEqual({
      response_action: 'errors',
      errors: { options: expect.stringContaining('“steps” (got “40”): allowed only with model flex') },
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(t.slack.ephemerals).toHaveLength(before);
    expect(t.bfl.counts.submits).toBe(1);
  });
});

describe('Slack modals', () => {
  it('keeps a stored size that is not a preset (a remix of 1008x1008) as the selected option', () => {
    const view = modalView(
      { id: 'remix:j1', title: 'Remix', fields: [{ name: 'size', label: 'Size', value: '1008x1008' }] },
      { channelId: 'C1' },
    );
    const element = view.blocks[0]?.element as { initial_option?: { value: string } };
    expect(element.initial_option?.value).toBe('1008x1008');
  });

  it('folds the Slack-only fields into the options grammar, typed options last so they win', () => {
    expect(
      formValues({
        prompt: 'p',
        model: 'flex',
        count: '2',
        steps: '30',
        guidance: '4',
        safety: '3',
        upsample: 'off',
        refs: 'https://a.example/x.png  https://b.example/y.png',
        options: '--count 3',
      }),
    ).toEqual({
      prompt: 'p',
      model: 'flex',
      options:
        '--count 2 --safety 3 --steps 30 --guidance 4 --no-upsample --ref https://a.example/x.png --ref https://b.example/y.png --count 3',
    });
    expect(formValues({ prompt: 'p' })).toEqual({ prompt: 'p' });
  });
});
