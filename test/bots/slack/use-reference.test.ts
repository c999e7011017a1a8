/**
 * References on Slack end to end: a result used as a reference reaches BFL as its bytes, and a reference
 * that cannot be obtained or is not allowed refuses the job privately, before anything is submitted.
 */
import { describe, expect, it } from 'vitest';
import { makePng } from '../../fakes/images.ts';
import type { SlackMessage } from '../../fakes/slack-server.ts';
import { blockAction, commandBody, messageShortcut, postForm, viewSubmission } from '../../support/slack.ts';
import { deliveredResult, useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const t = useSlackApp({ bfl: { generationMs: 20 } });

const cards = () => [...t.slack.messages.values()].filter((m) => !m.threadTs);
const details = () => [...t.slack.messages.values()].filter((m) => m.threadTs);
const flux = (text: string) => postForm(t.port, commandBody(text, t.slack));
const privately = () => [
  ...t.slack.ephemerals.map((e) => e.text),
  ...t.slack.responses.map((r) => String(r.body.text)),
];
const refusal = (needle: string) =>
  until(() => privately().find((t) => t.includes(needle)), 10_000, `a private answer with "${needle}"`);
const button = (m: SlackMessage, action: string) =>
  JSON.stringify(m.blocks).match(new RegExp(`flux:${action}:[0-9a-f-]+`))?.[0] as string;

/** One finished image, and the form its button opened (use-ref or remix). */
async function resultWithForm(action: 'use-ref' | 'remix') {
  await flux('reference fox --model klein-4b');
  const result = await deliveredResult(t);
  await postForm(t.port, { payload: JSON.stringify(blockAction(button(result, action))) });
  const opened = await until(() => t.slack.views[0], 5_000, 'modal');
  return { result, view: opened.view };
}

const submitForm = (view: Record<string, unknown>, values: Record<string, string>) =>
  postForm(t.port, { payload: JSON.stringify(viewSubmission(view, values)) });

describe('"Use as reference" on Slack', () => {
  it('sends the result’s own bytes to BFL, read through files.info (the upload answer has no link)', async () => {
    const { view } = await resultWithForm('use-ref');
    const uploaded = [...t.slack.uploads.entries()][0] as [string, { data: Buffer }];
    await submitForm(view, { prompt: 'the same fox in spring' });
    await until(() => details()[1], 10_000, 'second result');
    expect(t.bfl.counts.submits).toBe(2);
    const body = [...t.bfl.tasks.values()].at(-1)?.body as Record<string, unknown>;
    expect(body.input_image).toBe(uploaded[1].data.toString('base64'));
    expect(t.slack.calls.some((c) => c.method === 'files.info' && c.params.file === uploaded[0])).toBe(true);
  });

  it('refuses privately and submits nothing when the bot lacks files:read', async () => {
    const { view } = await resultWithForm('use-ref');
    t.slack.missingFilesScope = true;
    await submitForm(view, { prompt: 'the same fox in spring' });
    const answer = await refusal('files:read');
    expect(answer).toContain('shared in this channel');
    expect(answer).toContain('Nothing was queued or charged');
    expect(t.bfl.counts.submits).toBe(1);
    expect(cards()).toHaveLength(1);
  });

  it('refuses privately and submits nothing when the result’s file is gone', async () => {
    const { result, view } = await resultWithForm('use-ref');
    await postForm(t.port, { payload: JSON.stringify(blockAction(button(result, 'delete'))) });
    await until(() => t.slack.calls.some((c) => c.method === 'files.delete'), 5_000, 'file deleted');
    await submitForm(view, { prompt: 'the same fox in spring' });
    expect(await refusal('cannot find')).toContain('files:read');
    expect(t.bfl.counts.submits).toBe(1);
  });
});

describe('links typed in Slack forms', () => {
  it('refuses a metadata address in the options of "Edit with FLUX", before any submit', async () => {
    const file = t.slack.addFile('dog.png', makePng(16, 16));
    await postForm(t.port, {
      payload: JSON.stringify(
        messageShortcut([{ url_private: file.url_private, mimetype: 'image/png' }], t.slack),
      ),
    });
    const opened = await until(() => t.slack.views[0], 5_000, 'modal');
    await submitForm(opened.view, {
      prompt: 'as a painting',
      options: '--ref http://169.254.169.254/latest/meta-data/x.png',
    });
    expect(await refusal('169.254.169.254')).toContain('public');
    expect(t.bfl.counts.submits).toBe(0);
  });

  it('uses a link typed in the remix options, and refuses a private one', async () => {
    const { view } = await resultWithForm('remix');
    await submitForm(view, { prompt: 'remixed fox', options: '--ref http://[::ffff:127.0.0.1]/a.png' });
    // WHATWG URL writes the IPv4 inside as hex; the refusal names the host as parsed.
    expect(await refusal('::ffff:7f00:1')).toContain('public');
    expect(t.bfl.counts.submits).toBe(1);
    await submitForm(view, { prompt: 'remixed fox', options: '--ref https://images.example.com/fox.jpg' });
    await until(() => details()[1], 10_000, 'remix result');
    const body = [...t.bfl.tasks.values()].at(-1)?.body as Record<string, unknown>;
    expect(body.input_image).toBe('https://images.example.com/fox.jpg');
  });
});
