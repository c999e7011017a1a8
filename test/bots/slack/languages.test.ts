/**
 * Languages on Slack, against the fake: the member's locale comes from users.info (asked with
 * `include_locale`), the workspace default (`/flux admin language`) covers a member whose language the bot
 * does not speak, and a Chinese prompt reaches FLUX.2 byte for byte.
 */
import { describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../fakes/slack-server.ts';
import { commandBody, postForm, USER } from '../../support/slack.ts';
import { useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const ADMIN = 'U555';
const t = useSlackApp({ bfl: { generationMs: 20 }, prepare: ({ slack }) => slack.admins.add(ADMIN) });

const flux = (text: string, user = USER) => postForm(t.port, commandBody(text, t.slack, { user_id: user }));
const replyTo = (user: string, n = 1) =>
  until(() => t.slack.ephemerals.filter((e) => e.user === user)[n - 1], 5_000, `reply ${n} to ${user}`);
const shown = (m: SlackMessage | undefined) => (m ? `${m.text} ${JSON.stringify(m.blocks)}` : '');
const details = () =>
  until(() => [...t.slack.messages.values()].find((m) => m.threadTs), 10_000, 'details in the thread');
const card = () => [...t.slack.messages.values()].find((m) => !m.threadTs);

describe('languages on Slack', () => {
  it('shows a member whose Slack is in zh-TW traditional Chinese, asking users.info with include_locale', async () => {
    t.slack.userLocales.set(USER, 'zh-TW');
    const prompt = '台北 101 的夜景，霓虹燈，「電影感」';
    await flux(`${prompt} --model klein-4b`);
    const result = await details();
    expect([...t.bfl.tasks.values()][0]?.body.prompt).toBe(prompt);
    for (const word of ['提示詞', '模型', '種子', '費用', '重新產生', '改編', '用作參考圖', '刪除'])
      expect(shown(result), word).toContain(word);
    // One message, the image shared with its details: no text of its own, the cost in the blocks.
    expect(result.files).toHaveLength(1);
    expect(JSON.stringify(result.blocks)).toMatch(/US\$0\.\d+/);
    await until(() => shown(card()).includes('已完成'), 5_000, 'done card');
    expect(shown(card())).toContain('查看討論串');
    const asked = t.slack.calls.filter((c) => c.method === 'users.info');
    expect(asked.length).toBeGreaterThan(0);
    for (const c of asked) expect(String(c.params.include_locale)).toBe('true');

    // Private errors too.
    await flux('a fox --size huge');
    expect((await replyTo(USER)).text).toContain('沒有加入佇列，也沒有收費');
  });

  it('answers in the workspace default for a member in French, and in English for en-US', async () => {
    await flux('admin language zh-Hans', ADMIN);
    // The admin's own Slack is in English (the fake's default), so they are answered in English.
    const saved = (await replyTo(ADMIN)).text;
    expect(saved).toContain('Saved.');
    expect(saved).toContain('*Language*: 简体中文');
    await flux('admin language klingon', ADMIN);
    expect((await replyTo(ADMIN, 2)).text).toContain('en, zh-Hans, zh-Hant');
    await flux('admin show', ADMIN);
    expect((await replyTo(ADMIN, 3)).text).toContain('简体中文');

    t.slack.userLocales.set(USER, 'fr-FR');
    await flux('un renard roux --model klein-4b');
    expect(shown(await details())).toContain('重新生成');
    t.slack.userLocales.set('U777', 'en-US');
    await flux('a fox --size huge', 'U777');
    expect((await replyTo('U777')).text).toContain('Nothing was queued or charged');
  });

  it('falls back to the workspace default when users.info fails', async () => {
    await flux('admin language zh-Hant', ADMIN);
    await replyTo(ADMIN);
    t.slack.faults.push({ method: 'users.info', count: 100, error: 'user_not_visible' });
    await flux('a fox --size huge', 'U888');
    expect((await replyTo('U888')).text).toContain('沒有加入佇列');
  });
});
