import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.ts';
import { createSlackBot } from '../../../src/bots/slack/index.ts';
import { scrubSecrets, slackLogger } from '../../../src/bots/slack/logger.ts';
import type { Config } from '../../../src/config.ts';
import { startFakeBfl } from '../../fakes/bfl-server.ts';
import { makePng } from '../../fakes/images.ts';
import { startFakeSlack } from '../../fakes/slack-server.ts';
import { captureLogs } from '../../support/logs.ts';
import { commandBody, postForm, SECRET, slackConfig } from '../../support/slack.ts';
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

  for (const mode of ['http', 'socket'] as const)
    it(`never carry the bot token, signing secret or app token, even at trace level (${mode})`, async () => {
      const bfl = await startFakeBfl({ generationMs: 20 });
      const slack = await startFakeSlack();
      const config: Config = slackConfig(slack, bfl, mode);
      const logs = captureLogs();
      const app = await createApp({
        config,
        logger: logs.logger,
        frontEnds: [
          (deps) => createSlackBot(config.slack as NonNullable<Config['slack']>, { ...deps, retries: 0 }),
        ],
      });
      const { port } = await app.start();
      try {
        const file = slack.addFile('cat.png', makePng(8, 8));
        slack.notInChannel.add('C404');
        const send = (text: string, over?: Record<string, string>) =>
          mode === 'http'
            ? postForm(port, commandBody(text, slack, over))
            : slack.socketConnected.then(() =>
                slack.sendEnvelope('slash_commands', commandBody(text, slack, over)),
              );
        await send(`a logged fox --model klein-4b --ref ${file.url_private}`);
        await send('nowhere to go --model klein-4b', { channel_id: 'C404' });
        await until(() => [...slack.messages.values()].some((m) => m.threadTs), 10_000, 'result');
        await until(() => slack.responses.length > 0, 5_000, 'not-in-channel answer');
      } finally {
        await app.stop();
        await slack.close();
        await bfl.close();
      }
      const all = logs.text();
      expect(all.length).toBeGreaterThan(1000);
      expect(all).not.toContain(slack.botToken);
      expect(all).not.toContain(slack.appToken);
      expect(all).not.toContain(SECRET);
    });
});
