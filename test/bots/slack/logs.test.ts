import { describe, expect, it } from 'vitest';
import { scrubSecrets, slackLogger } from '../../../src/bots/slack/logger.ts';
import { makePng } from '../../fakes/images.ts';
import { captureLogs } from '../../support/logs.ts';
import { commandBody, postForm, SECRET } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

describe('Slack logs', () => {
  it('scrub token-shaped strings bolt hands over as loose arguments', () => {
    const logs = captureLogs();
    const bolt = slackLogger(logs.logger);
    bolt.warn('retrying with', { headers: { Authorization: 'Bearer xoxb-1-2-secret' } }, 'xapp-1-A1-2-3');
    bolt.error(new Error('token xoxp-123-456 rejected'));
    expect(logs.text()).not.toMatch(/xoxb-|xoxp-|xapp-/);
    expect(logs.text()).toContain('[redacted]');
    expect(scrubSecrets('Bearer abc.def')).toBe('[redacted]');
  });

  it('spend nothing on a bolt line below the level: its arguments are not even serialised', () => {
    const logs = captureLogs();
    logs.logger.level = 'info';
    const bolt = slackLogger(logs.logger);
    let serialised = 0;
    const body = { toJSON: () => ++serialised };
    bolt.debug('http request body:', body);
    expect(serialised).toBe(0);
    expect(logs.text()).toBe('');
    bolt.info('http request body:', body);
    expect(serialised).toBe(1);
    expect(logs.text()).toContain('http request body: 1');
  });
});

for (const mode of ['http', 'socket'] as const)
  describe(`Slack logs of the running app (${mode})`, () => {
    const t = useSlackApp({ mode, logs: true, bfl: { generationMs: 20 } });

    it('never carry the bot token, signing secret or app token, even at trace level', async () => {
      const { slack } = t;
      const file = slack.addFile('cat.png', makePng(8, 8));
      slack.notInChannel.add('C404');
      const send = (text: string, over?: Record<string, string>) =>
        mode === 'http'
          ? postForm(t.port, commandBody(text, slack, over))
          : slack.sendEnvelope('slash_commands', commandBody(text, slack, over));
      await send(`a logged fox --model klein-4b --ref ${file.url_private}`);
      await send('nowhere to go --model klein-4b', { channel_id: 'C404' });
      await until(() => [...slack.messages.values()].some((m) => m.threadTs), 10_000, 'result');
      await until(() => slack.responses.length > 0, 5_000, 'not-in-channel answer');
      // Stopped first: what it logs while stopping is checked too.
      await t.stop();
      const all = t.logs.text();
      expect(all.length).toBeGreaterThan(1000);
      expect(all).not.toContain(slack.botToken);
      expect(all).not.toContain(slack.appToken);
      expect(all).not.toContain(SECRET);
    });
  });
