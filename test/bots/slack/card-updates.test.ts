import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  createSlackContext,
  EDIT_INTERVAL_MS,
  type SlackContextDeps,
} from '../../../src/bots/slack/context.ts';
import { slackDelivery } from '../../../src/bots/slack/delivery.ts';
import type { CommandContext } from '../../../src/commands/context.ts';
import type { FakeSlack, SlackMessage } from '../../fakes/slack-server.ts';
import { statusCard } from '../../support/fake-context.ts';
import { CHANNEL, startSlackContextDeps, TEAM, USER } from '../../support/slack.ts';
import { until } from '../../support/until.ts';

let slack: FakeSlack;
let close: () => Promise<void>;
let ctx: CommandContext;
let deps: SlackContextDeps;
const contextWith = (over: Partial<SlackContextDeps> = {}) =>
  createSlackContext(
    { ...deps, ...over },
    slackDelivery({ teamId: TEAM, channelId: CHANNEL, userId: USER }, Date.now()),
    { id: USER, name: 'ana', isAdmin: false },
  );

beforeEach(async () => {
  const started = await startSlackContextDeps();
  ({ slack, close, deps } = started);
  ctx = contextWith();
});
afterEach(() => close());

const card = (status: string, summary?: string) => statusCard(status, summary, 'ana asked for');
const updates = () => slack.calls.filter((c) => c.method === 'chat.update');

it('coalesces live card edits to one per interval, keeping the latest; the final card goes out at once and stays', async () => {
  await ctx.showCard(card('Queued · #9 in line'));
  expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
  for (let i = 8; i >= 1; i--) await ctx.showCard(card(`Queued · #${i} in line`));
  // The first edit may go out at once; the other seven collapse into at most one more, the newest.
  const message = [...slack.messages.values()][0] as SlackMessage;
  await until(() => message.text.includes('#1 in line'), 5_000, 'the newest place');
  expect(updates().length).toBeLessThanOrEqual(2);
  const before = updates().length;
  await ctx.showCard(card('Generating · 1 s'));
  await ctx.showCard(card('Done', 'Done in 8.2 s · $0.045 · see thread'));
  // "Generating" came too soon after the last edit and is superseded: the final card goes out alone, at once.
  expect(updates().length).toBe(before + 1);
  expect(message.text).toContain('Done in 8.2 s · $0.045 · see thread');
  await new Promise((r) => setTimeout(r, EDIT_INTERVAL_MS + 100));
  expect(message.text).toContain('see thread');
});

it('holds every card edit until the pace lets it go (a burst being acked), never the first card', async () => {
  const held: Array<() => void> = [];
  const paced = contextWith({ pace: () => new Promise<void>((go) => held.push(go)) });
  await paced.showCard(card('Queued · #2 in line'));
  expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
  const final = paced.showCard(card('Done', 'Done in 1.0 s · $0.045 · see thread'));
  await until(() => held[0], 5_000, 'the edit asking to go');
  await new Promise((r) => setTimeout(r, 50));
  expect(updates()).toHaveLength(0);
  held[0]?.();
  await final;
  expect(updates()).toHaveLength(1);
  expect(([...slack.messages.values()][0] as SlackMessage).text).toContain('see thread');
});
