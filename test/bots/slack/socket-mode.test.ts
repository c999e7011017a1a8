import { describe, expect, it } from 'vitest';
import { commandBody, USER } from '../../support/slack.ts';
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

  it('redraws the form when a model is chosen in it', async () => {
    expect(await t.slack.sendEnvelope('slash_commands', commandBody('', t.slack))).toEqual({});
    await until(() => t.slack.views[0], 5_000, 'the form');
    const [viewId = ''] = [...t.slack.modals.byId.keys()];
    const chosen = t.slack.modals.enter(viewId, 'model', 'flex', { user: USER });
    expect(await t.slack.sendEnvelope('interactive', chosen)).toEqual({});
    const redrawn = await until(() => t.slack.modals.updated[0], 5_000, 'the redraw');
    expect(JSON.stringify(redrawn.view)).toContain('"block_id":"steps"');
  });
});
