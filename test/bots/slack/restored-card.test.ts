/**
 * A Slack context rebuilt from a record with no card yet — in distributed mode, another process took
 * the command and is posting the card. It posts no second card for a passing state, edits the card once
 * it has learnt of it from the store, and posts the job's last word in any case.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackFactory, type SlackContextDeps } from '../../../src/bots/slack/context.ts';
import { slackDelivery } from '../../../src/bots/slack/delivery.ts';
import type { Card } from '../../../src/commands/context.ts';
import type { FakeSlack } from '../../fakes/slack-server.ts';
import { CHANNEL, slackWebClient, startSlackContextDeps, USER } from '../../support/slack.ts';

const actor = { id: USER, name: 'ana', isAdmin: false };
const card = (status: string, final = false): Card => ({
  title: 'ana asked for',
  prompt: 'a red fox',
  fields: [],
  status,
  buttons: [],
  final,
});

let slack: FakeSlack;
let deps: SlackContextDeps;
let close: () => Promise<void>;
beforeEach(async () => {
  ({ slack, deps, close } = await startSlackContextDeps());
});
afterEach(() => close());

const topLevel = () => [...slack.messages.values()].filter((m) => m.channel === CHANNEL && !m.threadTs);
const record = () => ({ ...slackDelivery({ channelId: CHANNEL, userId: USER }, Date.now()) });

describe('a Slack context restored before its card was recorded', () => {
  it('posts no card of its own for a passing state, and edits the card once the store names it', async () => {
    const ctx = createSlackFactory(deps).restore(record(), actor);
    await ctx.showCard(card('Generating · 1 s'));
    expect(topLevel()).toHaveLength(0);

    // The process that took the command posted the card and recorded it.
    const posted = await slackWebClient(slack).chat.postMessage({ channel: CHANNEL, text: 'Queued' });
    ctx.adopt?.({ ...record(), cardTs: posted.ts });
    await ctx.showCard(card('Done', true));
    expect(topLevel()).toHaveLength(1);
    expect(topLevel()[0]?.text).toContain('a red fox');
  });

  it('still posts the job’s last word when no card was ever recorded', async () => {
    const ctx = createSlackFactory(deps).restore(record(), actor);
    await ctx.showCard(card('Failed', true));
    expect(topLevel()).toHaveLength(1);
  });
});
