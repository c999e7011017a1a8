import { describe, expect, it } from 'vitest';
import { deliveryKey } from '../../../src/bots/slack/listeners/retries.ts';
import { blockAction, commandBody, postForm, sign } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

type Fixture = ReturnType<typeof useSlackApp>;
const cards = (t: Fixture) => [...t.slack.messages.values()].filter((m) => !m.threadTs);
const results = (t: Fixture) => [...t.slack.messages.values()].filter((m) => m.threadTs);
const uploads = (t: Fixture) => t.slack.calls.filter((c) => c.method === 'files.completeUploadExternal');

/**
 * A retry would be handled right after its ack, so a later, distinct request that is delivered in
 * full comes after any job the retry could have started: then the counts are final.
 */
async function deliveredAfter(
  t: Fixture,
  send: () => Promise<unknown>,
  expectedResults: number,
): Promise<void> {
  await send();
  await until(() => results(t).length >= expectedResults, 10_000, `${expectedResults} results`);
}

describe('Slack retries over HTTP (X-Slack-Retry-Num)', () => {
  const t = useSlackApp({ bfl: { generationMs: 20 } });

  it('acks a command retried over HTTP (X-Slack-Retry-Num, same trigger_id) and starts one job, one card, one image', async () => {
    const body = commandBody('one fox --model klein-4b --seed 3', t.slack);
    const raw = new URLSearchParams(body).toString();
    expect((await postForm(t.port, body)).status).toBe(200);
    const retry = await postForm(t.port, body, {
      ...sign(raw),
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(retry.status).toBe(200);
    await deliveredAfter(t, () => postForm(t.port, commandBody('another fox --model klein-4b', t.slack)), 2);
    expect(cards(t)).toHaveLength(2);
    expect(t.bfl.counts.submits).toBe(2);
    expect(uploads(t)).toHaveLength(2);
  });

  it('still starts nothing for a retry that arrives after a restart', async () => {
    const body = commandBody('durable fox --model klein-4b', t.slack);
    await postForm(t.port, body);
    await until(() => results(t)[0], 10_000, 'result');
    await t.restart();
    const raw = new URLSearchParams(body).toString();
    expect((await postForm(t.port, body, { ...sign(raw), 'x-slack-retry-num': '2' })).status).toBe(200);
    await deliveredAfter(t, () => postForm(t.port, commandBody('fresh fox --model klein-4b', t.slack)), 2);
    expect(cards(t)).toHaveLength(2);
    expect(t.bfl.counts.submits).toBe(2);
  });

  it('runs a button delivered twice (same trigger_id) once: one reroll', async () => {
    await postForm(t.port, commandBody('reroll fox --model klein-4b', t.slack));
    const first = await until(() => results(t)[0], 10_000, 'result');
    const reroll = JSON.stringify(first.blocks).match(/flux:reroll:[0-9a-f-]+/)?.[0] as string;
    const press = { payload: JSON.stringify(blockAction(reroll)) };
    expect((await postForm(t.port, press)).status).toBe(200);
    const raw = new URLSearchParams(press).toString();
    expect((await postForm(t.port, press, { ...sign(raw), 'x-slack-retry-num': '1' })).status).toBe(200);
    await deliveredAfter(t, () => postForm(t.port, commandBody('later fox --model klein-4b', t.slack)), 3);
    expect(t.bfl.counts.submits).toBe(3);
    expect(uploads(t)).toHaveLength(3);
  });
});

describe('Slack redeliveries over Socket Mode (retry_attempt)', () => {
  const t = useSlackApp({ mode: 'socket', bfl: { generationMs: 20 } });

  it('acks a command redelivered over Socket Mode (retry_attempt) and starts one job, one card, one image', async () => {
    const body = commandBody('socket fox --model klein-4b --seed 4', t.slack);
    expect(await t.slack.sendEnvelope('slash_commands', body)).toEqual({});
    const ack = await t.slack.sendEnvelope('slash_commands', body, {
      retry_attempt: 1,
      retry_reason: 'timeout',
    });
    expect(ack).toEqual({});
    await deliveredAfter(
      t,
      () => t.slack.sendEnvelope('slash_commands', commandBody('next fox --model klein-4b', t.slack)),
      2,
    );
    expect(cards(t)).toHaveLength(2);
    expect(t.bfl.counts.submits).toBe(2);
    expect(uploads(t)).toHaveLength(2);
  });
});

describe('the key of a delivery', () => {
  it('is the trigger_id of interactions and commands, the event_id of events, and nothing otherwise', () => {
    expect(deliveryKey(blockAction('flux:reroll:x'))).toMatch(/^slack:trigger:\d+\./);
    expect(deliveryKey({ type: 'event_callback', event_id: 'Ev123', event: {} })).toBe('slack:event:Ev123');
    expect(deliveryKey({ type: 'url_verification', challenge: 'c' })).toBeUndefined();
    expect(deliveryKey({ trigger_id: '' })).toBeUndefined();
  });
});
