/**
 * Languages on Discord, against the fake: the interaction's `locale` picks the card, the result and the
 * private answers; a server default (`/flux-admin language`) covers a member whose language the bot does
 * not speak; Chinese prompts reach FLUX.2 byte for byte; the command list carries its translations.
 */
import { describe, expect, it } from 'vitest';
import { buildCommands } from '../../../src/bots/discord/commands.ts';
import type { RawInteraction } from '../../../src/bots/discord/payload.ts';
import { button, messageText, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 20 } });
const ADMIN = { id: '400000000000000050', permissions: String(1 << 5) };
const MEMBER = { id: '400000000000000061' };

const text = messageText;
const results = () => [...t.discord.messages.values()].filter((m) => m.attachments.length > 0);
const edits = (token: string) =>
  t.discord.calls
    .filter((c) => c.method === 'PATCH' && c.path.includes(token))
    .map((c) => JSON.stringify(c.body));

function inLocale(raw: RawInteraction, locale: string): RawInteraction {
  return { ...raw, locale };
}

describe('languages on Discord', () => {
  it('shows a zh-CN member a simplified Chinese card, result and private error', async () => {
    const prompt = '雪地里的一只红狐狸，黄金时刻 🦊';
    const raw = inLocale(slash({ prompt, model: 'klein-4b', seed: 7 }), 'zh-CN');
    await t.send(raw);
    const result = await until(() => results()[0], 10_000, 'result');
    // The prompt went to FLUX.2 exactly as typed.
    expect([...t.bfl.tasks.values()][0]?.body.prompt).toBe(prompt);
    // The first card: who asked, the estimate, Cancel, the queue line.
    const first = edits(raw.token)[0] ?? '';
    expect(first).toContain('请求生成');
    expect(first).toContain('预估费用');
    expect(first).toContain('US$0.015');
    expect(first).toMatch(/排队中/);
    // The result's details and buttons.
    const details = text(result);
    for (const word of [
      '提示词',
      '模型',
      '尺寸',
      '种子',
      '用时',
      '费用',
      '重新生成',
      '改编',
      '用作参考图',
      '删除',
    ])
      expect(details, word).toContain(word);
    expect(details).not.toContain('Reroll');
    // The done card, with a link to the thread in Chinese.
    const done = await until(
      () => t.discord.originalOf(raw.token)?.content.includes('已完成') && t.discord.originalOf(raw.token),
      5_000,
      'done card',
    );
    expect(done.content).toMatch(
      /已完成，用时 \d+(\.\d)? 秒 · US\$0\.\d+ · \[查看子区\]\(<https:\/\/discord\.com\/channels\//,
    );

    // A private error in the member's language.
    const bad = inLocale(slash({ prompt: 'x', size: 'huge' }), 'zh-CN');
    await t.send(bad);
    const answer = await t.privateAnswer(bad.token);
    expect(answer.content).toContain('没有加入队列，也没有扣费');
    expect(answer.content).toContain('`size`');
  });

  it('shows a zh-TW member traditional Chinese, and keeps English for en-US', async () => {
    const zh = inLocale(slash({ prompt: 'a lighthouse', model: 'klein-4b' }), 'zh-TW');
    await t.send(zh);
    const result = await until(() => results()[0], 10_000, 'result');
    expect(text(result)).toContain('重新產生');
    expect(text(result)).toContain('提示詞');
    const en = inLocale(slash({ prompt: 'a lighthouse', model: 'klein-4b' }), 'en-US');
    await t.send(en);
    const second = await until(() => results()[1], 10_000, 'second result');
    expect(text(second)).toContain('Reroll');
    expect(text(second)).not.toContain('重新');
  });

  it("answers a member in the server's default language when theirs is not one the bot speaks", async () => {
    const set = slash({ command: 'language zh-Hans' }, ADMIN);
    if (set.data) set.data.name = 'flux-admin';
    await t.send(set);
    expect((await t.privateAnswer(set.token)).content).toContain('已保存');
    const wrong = slash({ command: 'language fr' }, ADMIN);
    if (wrong.data) wrong.data.name = 'flux-admin';
    await t.send(wrong);
    // The allowed values are named, whatever the language.
    expect((await t.privateAnswer(wrong.token)).content).toContain('en, zh-Hans, zh-Hant');

    const raw = inLocale(slash({ prompt: 'un renard roux', model: 'klein-4b' }, MEMBER), 'fr');
    await t.send(raw);
    const result = await until(() => results()[0], 10_000, 'result');
    expect(text(result)).toContain('重新生成');
    // A member whose own language is ours keeps it.
    const en = inLocale(slash({ prompt: 'a fox', model: 'klein-4b', size: 'huge' }, MEMBER), 'en-GB');
    await t.send(en);
    expect((await t.privateAnswer(en.token)).content).toContain('Nothing was queued or charged');
  });

  it('renders a button press by a zh-CN member who may not press it in Chinese', async () => {
    const raw = slash({ prompt: 'a fox', model: 'klein-4b' });
    await t.send(raw);
    const result = await until(() => results()[0], 10_000, 'result');
    const del = result.components[0]?.components.find((c) => c.custom_id?.startsWith('flux:delete:'));
    const press = inLocale(button(del?.custom_id ?? '', MEMBER), 'zh-CN');
    await t.send(press);
    expect((await t.privateAnswer(press.token)).content).toBe('只有请求这张图片的人或管理员才能这样做。');
  });

  it('registers commands with Chinese descriptions and option names for zh-CN and zh-TW', () => {
    const commands = buildCommands() as unknown as Array<Record<string, unknown>>;
    const named = (name: string) => commands.find((c) => c.name === name);
    const [flux, edit, usage, admin] = ['flux', 'Edit with FLUX', 'flux-usage', 'flux-admin'].map(named);
    for (const c of commands)
      if (c.description !== undefined)
        expect({ c: c.name, l: c.description_localizations }).toHaveProperty('l.zh-TW');
    expect(flux?.description_localizations).toEqual({
      'zh-CN': '用 FLUX.2 生成图片——连同费用发到话题里',
      'zh-TW': '用 FLUX.2 產生圖片——連同費用發到討論串裡',
    });
    expect(edit?.name_localizations).toEqual({ 'zh-CN': '用 FLUX 编辑', 'zh-TW': '用 FLUX 編輯' });
    expect(usage?.description_localizations).toHaveProperty('zh-CN');
    expect(admin?.description_localizations).toHaveProperty('zh-TW');
    const options = flux?.options as Array<Record<string, Record<string, string>>>;
    const prompt = options.find((o) => (o.name as unknown as string) === 'prompt');
    expect(prompt?.name_localizations).toEqual({ 'zh-CN': '提示词', 'zh-TW': '提示詞' });
    expect(prompt?.description_localizations).toEqual({ 'zh-CN': '要画什么', 'zh-TW': '要畫什麼' });
    // Discord's rule for names: letters or digits of any script, `-`, `_`, at most 32, no upper case.
    for (const o of options)
      for (const name of Object.values(o.name_localizations ?? {})) {
        expect(name).toMatch(/^[-_'\p{L}\p{N}]{1,32}$/u);
        expect(name).toBe(name.toLowerCase());
      }
    for (const o of options)
      for (const d of Object.values(o.description_localizations ?? {}))
        expect(d.length).toBeLessThanOrEqual(100);
  });
});
