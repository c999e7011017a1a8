/** Bad input never spends on Slack: an invisible prompt or an option given no value is refused, privately. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { type FakeBfl, startFakeBfl } from '../../fakes/bfl-server.ts';
import { type FakeSlack, startFakeSlack } from '../../fakes/slack-server.ts';
import { commandBody, postForm, slackConfig, startSlackApp, USER, until } from '../../support/slack.ts';

let bfl: FakeBfl;
let slack: FakeSlack;
let app: App;
let port: number;

beforeEach(async () => {
  bfl = await startFakeBfl({ generationMs: 20 });
  slack = await startFakeSlack();
  ({ app, port } = await startSlackApp(slackConfig(slack, bfl, 'http')));
});
afterEach(async () => {
  await app.stop();
  await slack.close();
  await bfl.close();
});

const privately = () => [
  ...slack.ephemerals.filter((e) => e.user === USER).map((e) => e.text),
  ...slack.responses.map((r) => String(r.body.text)),
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
      await postForm(port, commandBody(text, slack));
      await until(() => privately().length > before, 5_000, `reply to ${text}`);
      expect(saying(says), text).toBe(alike + 1);
    }
    expect(bfl.counts.submits).toBe(0);
    expect(slack.messages.size).toBe(0);
  });
});
