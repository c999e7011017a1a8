/**
 * A failure pings its requester on Slack: the red card is a chat.update, whose mention notifies nobody,
 * so a new message in the card's thread mentions them — and nobody else.
 */
import { describe, expect, it } from 'vitest';
import { commandBody, postForm, USER } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const t = useSlackApp({ bfl: { generationMs: 20 } });

describe('the failure notice on Slack', () => {
  it('is a new message in the card’s thread that pings the requester alone', async () => {
    await postForm(t.port, commandBody('[content-moderated] fox <!channel> @here --model klein-4b', t.slack));
    const card = await until(
      () => [...t.slack.messages.values()].find((m) => !m.threadTs && m.text.includes('could not be made')),
      10_000,
      'failed card',
    );
    const notice = await until(
      () => [...t.slack.messages.values()].find((m) => m.threadTs === card.ts),
      5_000,
      'failure notice',
    );
    expect(notice.text).toBe(`:warning: <@${USER}> your image could not be made.`);
    expect(t.slack.calls.filter((c) => c.method === 'chat.postMessage').at(-1)?.params).toMatchObject({
      thread_ts: card.ts,
      text: notice.text,
    });
    // The card's own mention came with an edit; the notice is the one message that notifies.
    expect(card.updates).toBeGreaterThan(0);
    expect(t.slack.pings).toEqual([{ ts: notice.ts, who: `user ${USER}` }]);
  });
});
