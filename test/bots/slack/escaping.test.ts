import { describe, expect, it } from 'vitest';
import { privateSlackText } from '../../../src/bots/slack/text.ts';
import type { FakeSlack, SlackMessage } from '../../fakes/slack-server.ts';
import { jsonParam } from '../../fakes/slack-wire.ts';
import { blockAction, commandBody, postForm, USER } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

/** As Slack sends it: real mentions and links as markup, what the member typed literally as entities. */
const HOSTILE = 'hi <!channel> &lt;!here&gt; <@U123> <http://evil.example|click> & more';
/** What the model is given: the member's text as they typed it. */
const AS_TYPED = 'hi @channel <!here> @U123 http://evil.example & more';

interface Shown {
  where: string;
  text: string;
  /** A mrkdwn text object in blocks (a top-level `text` has no verbatim switch). */
  block?: boolean;
  verbatim?: unknown;
}

/** Every mrkdwn text object anywhere in a block tree or view. */
function mrkdwnObjects(node: unknown, where: string, out: Shown[]): Shown[] {
  if (Array.isArray(node)) for (const n of node) mrkdwnObjects(n, where, out);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === 'mrkdwn') out.push({ where, text: String(o.text), block: true, verbatim: o.verbatim });
    for (const v of Object.values(o)) mrkdwnObjects(v, where, out);
  }
  return out;
}

/** Every piece of mrkdwn the bot sent: each call's `text` and blocks, views, and response_url posts. */
function everythingShown(slack: FakeSlack): Shown[] {
  const out: Shown[] = [];
  for (const c of slack.calls) {
    const where = c.method;
    if (typeof c.params.text === 'string') out.push({ where, text: c.params.text });
    mrkdwnObjects(jsonParam(c.params.blocks), where, out);
    mrkdwnObjects(jsonParam<unknown>(c.params.view), where, out);
  }
  for (const r of slack.responses) {
    if (typeof r.body.text === 'string') out.push({ where: 'response_url', text: r.body.text });
    mrkdwnObjects(r.body.blocks, 'response_url', out);
  }
  return out;
}

describe('a hostile prompt on Slack', () => {
  const t = useSlackApp({ bfl: { generationMs: 20 }, once: true });

  const cards = () => [...t.slack.messages.values()].filter((m) => !m.threadTs);
  const all = (m: SlackMessage) => `${m.text} ${JSON.stringify(m.blocks)}`;

  it('reaches the model as typed, and nothing the bot posts pings anyone or links anywhere', async () => {
    // A card with live updates, a result in the thread, then the same prompt failing, a refused option
    // value, and the remix form prefilled with it.
    await postForm(t.port, commandBody(`${HOSTILE} --model klein-4b --seed 7`, t.slack));
    const detail = await until(
      () => [...t.slack.messages.values()].find((m) => m.threadTs),
      10_000,
      'result in the thread',
    );
    await until(() => cards()[0] && all(cards()[0] as SlackMessage).includes('Done in'), 5_000, 'summary');
    await postForm(t.port, commandBody(`[content-moderated] ${HOSTILE} --model klein-4b`, t.slack));
    await until(() => cards().some((c) => all(c).includes('Image failed')), 10_000, 'failed card');
    await postForm(t.port, commandBody('hi --model &lt;!channel&gt;', t.slack));
    const refused = await until(() => t.slack.ephemerals[0], 5_000, 'refusal');
    const remix = JSON.stringify(detail.blocks).match(/flux:remix:[0-9a-f-]+/)?.[0] as string;
    await postForm(t.port, { payload: JSON.stringify(blockAction(remix)) });
    const modal = await until(() => t.slack.views[0], 5_000, 'remix form');

    expect([...t.bfl.tasks.values()][0]?.body.prompt).toBe(AS_TYPED);
    const methods = new Set(t.slack.calls.map((c) => c.method));
    for (const m of ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'views.open'])
      expect(methods, m).toContain(m);

    // The bot's own markup, and only it: the requester's mention on their failure, the thread's permalink.
    const own = [
      new RegExp(`<@${USER}>`, 'g'),
      /<https:\/\/fake\.slack\.com\/archives\/C100\/p\d+\?thread_ts=[\d.]+&amp;cid=C100\|see thread>/g,
    ];
    const raw = everythingShown(t.slack);
    for (const re of own)
      expect(
        raw.some((s) => new RegExp(re.source).test(s.text)),
        re.source,
      ).toBe(true);
    const shown = raw.map((s) => ({ ...s, text: own.reduce((text, re) => text.replace(re, ''), s.text) }));
    for (const s of shown) {
      // `<` opens every special syntax (mentions, @channel/@here, links); `&` must only start an entity.
      expect(s.text, s.where).not.toContain('<');
      expect(s.text, s.where).not.toMatch(/&(?!amp;|lt;|gt;)/);
      // Without verbatim, Slack itself would link the bare URL or a channel name from the prompt.
      if (s.block) expect(s.verbatim, `${s.where}: ${s.text}`).toBe(true);
    }

    // The member's text is there, shown as words (this test would pass vacuously without it).
    const cardText = shown.filter((s) => s.where === 'chat.update').map((s) => s.text);
    expect(
      cardText.some((t) => t.includes('hi @channel &lt;!here&gt; @U123 http://evil.example &amp; more')),
    ).toBe(true);
    expect(all(detail)).toContain('&lt;!here&gt;');
    expect(refused.text).toContain('`&lt;!channel&gt;`');
    // The form is plain text: it shows the prompt exactly as typed, to be submitted back unchanged.
    expect(mrkdwnObjects(modal.view, 'view', [])).toEqual([]);
    expect(JSON.stringify(modal.view)).toContain(JSON.stringify(AS_TYPED));
  });
  it('keeps a refused option value inside its code span, so a backtick in it frees no mention or link', async () => {
    // As Slack sends it: the member typed `<@U123>` literally (an entity), and a backtick to close the span.
    const submits = t.bfl.counts.submits;
    const value = 'x` [click me](http://evil.example) &lt;@U123&gt; &lt;!here&gt; y';
    await postForm(t.port, commandBody(`a fox --size "${value}"`, t.slack, { user_id: 'U777' }));
    const reply = await until(() => t.slack.ephemerals.find((e) => e.user === 'U777'), 5_000, 'refusal');
    // Without the fix the member's backtick closes the span and `<@U123>` comes back as a live mention.
    expect(reply.text).not.toContain('<');
    expect(reply.text).toContain('(got `xˋ [click me](http://evil.example) &lt;@U123&gt; &lt;!here&gt; y`)');
    expect(t.bfl.counts.submits).toBe(submits);
  });
});

describe('private replies', () => {
  it('escape everything, giving back only the bot’s own user and channel mentions outside code', () => {
    expect(privateSlackText('Unknown option `<!channel>`. Valid: <prompt> & more')).toBe(
      'Unknown option `&lt;!channel&gt;`. Valid: &lt;prompt&gt; &amp; more',
    );
    expect(privateSlackText('Top spenders: <@U123> $1.00 · in <#C42>')).toBe(
      'Top spenders: <@U123> $1.00 · in <#C42>',
    );
    expect(privateSlackText('got `<@U123>` and <!here> <http://evil.example|x>')).toBe(
      'got `&lt;@U123&gt;` and &lt;!here&gt; &lt;http://evil.example|x&gt;',
    );
  });
});
