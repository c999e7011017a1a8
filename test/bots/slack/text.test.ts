import { describe, expect, it } from 'vitest';
import { formValues, modalView } from '../../../src/bots/slack/modal.ts';
import { plainSlackText, unwrapSlackLinks } from '../../../src/bots/slack/text.ts';
import { commandBody, postForm } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

describe('slash command text', () => {
  it('undoes Slack’s escaping and markup', () => {
    expect(plainSlackText('cats &amp; dogs &lt;3 &gt; birds')).toBe('cats & dogs <3 > birds');
    expect(plainSlackText('&amp;lt; stays literal')).toBe('&lt; stays literal');
    expect(plainSlackText('--ref <https://x.example/a.png?w=1&amp;h=2|a.png>')).toBe(
      '--ref https://x.example/a.png?w=1&h=2',
    );
    expect(plainSlackText('<https://x.example/b.png>')).toBe('https://x.example/b.png');
    expect(plainSlackText('for <@U123|ana> in <#C1|art> <!here>')).toBe('for @ana in #art @here');
    expect(plainSlackText('<@U123> <!subteam^S1|@design>')).toBe('@U123 @design');
  });
});

describe('form text', () => {
  it('unwraps only Slack link markup, before the shared parser sees it', () => {
    expect(unwrapSlackLinks('--ref <https://x.example/a.png|a.png> --ref <https://x.example/b.png>')).toBe(
      '--ref https://x.example/a.png --ref https://x.example/b.png',
    );
    expect(unwrapSlackLinks('cats &amp; dogs <3 <@U1>')).toBe('cats &amp; dogs <3 <@U1>');
    expect(formValues({ prompt: 'p', options: '--ref <https://x.example/a.png|a.png>' })).toEqual({
      prompt: 'p',
      options: '--ref https://x.example/a.png',
    });
  });

  it('makes the new-image form from the option definition, its fixed choices as selects', () => {
    const view = modalView(
      { id: 'new', title: 'FLUX', fields: [{ name: 'count', label: 'How many', value: '1' }] },
      { channelId: 'C1' },
    );
    const element = view.blocks[0]?.element as { options?: Array<{ value: string }> };
    expect(element.options?.map((o) => o.value)).toEqual(['1', '2', '3', '4']);
  });
});

describe('slash command text end to end', () => {
  const t = useSlackApp({ bfl: { generationMs: 20 }, once: true });

  it('sends the prompt and links as typed, not as Slack escaped them', async () => {
    await postForm(
      t.port,
      commandBody(
        '“cats &amp; dogs” —model klein-4b --ref <https://images.example.com/a.png?w=1&amp;h=2|a.png>',
        t.slack,
      ),
    );
    const task = await until(() => [...t.bfl.tasks.values()][0], 10_000, 'submit');
    expect(task.body.prompt).toBe('cats & dogs');
    expect(task.body.input_image).toBe('https://images.example.com/a.png?w=1&h=2');
  });

  it('leaves /flux admin its mentions, which carry the ids', async () => {
    t.slack.admins.add('U901');
    await postForm(t.port, commandBody('admin budget user day $1 <@U123|ana>', t.slack, { user_id: 'U901' }));
    const reply = await until(() => t.slack.ephemerals.find((e) => e.user === 'U901'), 5_000, 'admin reply');
    expect(reply.text).toContain('<@U123>');
  });
});
