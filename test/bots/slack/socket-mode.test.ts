import { describe, expect, it } from 'vitest';
import { commandBody } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const t = useSlackApp({ mode: 'socket', bfl: { generationMs: 20 }, once: true });

describe('Slack over Socket Mode', () => {
  it('connects with the app token, acks the slash command envelope, and delivers the image in the thread', async () => {
    expect(t.slack.calls.find((c) => c.method === 'apps.connections.open')?.auth).toBe(
      `Bearer ${t.slack.appToken}`,
    );
    const ack = await t.slack.sendEnvelope(
      'slash_commands',
      commandBody('a socket fox --model klein-4b', t.slack),
    );
    expect(ack).toEqual({});
    const detail = await until(
      () => [...t.slack.messages.values()].find((m) => m.threadTs),
      10_000,
      'details',
    );
    expect(JSON.stringify(detail.blocks)).toContain('a socket fox');
    expect([...t.slack.uploads.values()][0]?.completed).toBe(true);
  });
});
