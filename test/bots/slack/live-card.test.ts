/**
 * The live card on Slack, against the fakes: the first card already carries Cancel, its place in line
 * follows straight after, and while the image is made the card shows BFL's own progress.
 */

import { describe, expect, it } from 'vitest';
import { jsonParam } from '../../fakes/slack-wire.ts';
import { commandBody, postForm, USER } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const t = useSlackApp({ bfl: { generationMs: 3_000 } });

const cardTexts = () =>
  t.slack.calls
    .filter((c) => c.method === 'chat.update' || (c.method === 'chat.postMessage' && !c.params.thread_ts))
    .map((c) => ({ text: String(c.params.text), blocks: JSON.stringify(jsonParam(c.params.blocks)) }));

describe('the live card on Slack', () => {
  it('shows Cancel on the first card, then its place, then BFL’s progress while generating', async () => {
    await postForm(t.port, commandBody('slow fox --model klein-4b', t.slack));
    await until(() => cardTexts().some((c) => /Generating · \d+% · \d+ s/.test(c.text)), 10_000, 'progress');
    const [first, second] = cardTexts();
    expect(first?.text).toMatch(/— Queued$/);
    expect(first?.blocks).toMatch(/"action_id":"flux:cancel:[0-9a-f-]+"/);
    expect(second?.text).toMatch(/— Queued · (next|#\d+) in line$/);
    expect(second?.blocks).toMatch(/"action_id":"flux:cancel:[0-9a-f-]+"/);
  });

  it('names the requester as a mention on its edits, which notify nobody, and never pings from the first post', async () => {
    t.slack.userLocales.set(USER, 'zh-CN');
    await postForm(t.port, commandBody('a named fox --model klein-4b', t.slack));
    await until(() => cardTexts()[1], 10_000, 'the card edited');
    const [first, second] = cardTexts();
    // The first post is a new message: its mention would notify, so it names the member in words.
    expect(first?.text).not.toContain('<@');
    expect(first?.blocks).not.toContain('<@');
    expect(second?.text).toContain(`<@${USER}> 请求生成`);
    expect(second?.blocks).toContain(`*<@${USER}> 请求生成*`);
    expect(t.slack.pings).toEqual([]);
  });
});
