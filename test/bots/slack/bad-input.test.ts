/** Bad input never spends on Slack: an invisible prompt or an option given no value is refused, privately. */
import { describe, expect, it } from 'vitest';
import { commandBody, postForm, USER } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const t = useSlackApp({ bfl: { generationMs: 20 } });

const privately = () => [
  ...t.slack.ephemerals.filter((e) => e.user === USER).map((e) => e.text),
  ...t.slack.responses.map((r) => String(r.body.text)),
];

describe('bad input on Slack', () => {
  it('refuses a prompt of only invisible characters and options given no value, posting and sending nothing', async () => {
    const cases: Array<[string, string]> = [
      ['\u200B --model klein-4b', 'Please add a prompt'],
      ['\u200B\u200C\u200D\u2060\uFEFF', 'Please add a prompt'],
      [
        'a fox --model klein-4b --seed=',
        '`--seed` (got `nothing`): allowed a whole number from 0 to 4294967295',
      ],
      ['a fox --count= --model klein-4b', '`--count` (got `nothing`): allowed a whole number from 1 to 4'],
      ['a fox --model klein-4b --safety ""', '`--safety` (got `nothing`)'],
    ];
    const saying = (says: string) => privately().filter((t) => t.includes(says)).length;
    for (const [text, says] of cases) {
      const before = privately().length;
      const alike = saying(says);
      await postForm(t.port, commandBody(text, t.slack));
      await until(() => privately().length > before, 5_000, `reply to ${text}`);
      expect(saying(says), text).toBe(alike + 1);
    }
    expect(t.bfl.counts.submits).toBe(0);
    expect(t.slack.messages.size).toBe(0);
  });
});
