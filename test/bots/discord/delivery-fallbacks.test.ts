/**
 * The places a result can go when the obvious one is closed: a token Discord stops honouring early,
 * a command run inside a thread or in a DM, a thread that refuses the post, a day-old link, a form
 * submitted after a restart. HTTP mode, the whole app, the fake Discord and the fake BFL.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { signedLinkExpiry } from '../../../src/bots/discord/references.ts';
import type { FakeMessage } from '../../fakes/discord-server.ts';
import { makePng } from '../../fakes/images.ts';
import { button, CHANNEL, messageCommand, modalSubmit, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

let clock = 0;
const now = () => Date.now() + clock;
beforeEach(() => {
  clock = 0;
});
const t = useDiscordApp({ bfl: { generationMs: 30 }, now });

const results = () => [...t.discord.messages.values()].filter((m) => m.attachments.length > 0);
const threadCalls = () => t.discord.calls.filter((c) => c.path.endsWith('/threads'));
const jobIdOf = (m: FakeMessage) => m.components[0]?.components[0]?.custom_id?.split(':')[2] as string;

describe('Discord delivery when the usual way is closed', () => {
  it('switches to the bot token when Discord rejects the interaction token before its 15 minutes', async () => {
    t.bfl.configure({ generationMs: 400 });
    const raw = slash({ prompt: 'rejected token fox', model: 'klein-4b' });
    await t.send(raw);
    await until(() => t.discord.originalOf(raw.token), 5_000, 'card');
    // No clock change: only Discord's answer (401 Invalid Webhook Token) says the token is dead.
    t.discord.expiredTokens.add(raw.token);
    const result = await until(() => results()[0], 10_000, 'result');
    expect(result.via).toBe('bot');
    const card = t.discord.originalOf(raw.token) as FakeMessage;
    await until(() => card.content.includes('see thread'), 5_000, 'summary by the bot token');
    expect(
      t.discord.calls.some(
        (c) => c.method === 'PATCH' && c.path === `/channels/${CHANNEL}/messages/${card.id}`,
      ),
    ).toBe(true);
    expect(t.discord.authViolations).toEqual([]);
  });

  it('posts under the card, without trying a thread, when the command ran inside a thread', async () => {
    const thread = '300000000000000777';
    const raw = slash({ prompt: 'threaded fox', model: 'klein-4b' }, undefined, { channelType: 11 });
    raw.channel = { id: thread, type: 11 };
    raw.channel_id = thread;
    await t.send(raw, thread);
    const result = await until(() => results()[0], 10_000, 'result');
    expect(result.channelId).toBe(thread);
    expect(result.via).toBe('webhook');
    expect(threadCalls()).toEqual([]);
  });

  it('posts under the card in a DM, where there are no threads', async () => {
    const raw = slash({ prompt: 'private fox', model: 'klein-4b' }, undefined, {
      guild: false,
      channelType: 1,
    });
    await t.send(raw);
    const result = await until(() => results()[0], 10_000, 'result');
    expect(result.channelId).toBe(CHANNEL);
    expect(threadCalls()).toEqual([]);
    expect((await t.app.jobs.get(jobIdOf(result)))?.origin.workspaceId).toBeUndefined();
  });

  it('falls back to under the card when the new thread refuses the post', async () => {
    t.discord.refuseThreadPosts = true;
    const raw = slash({ prompt: 'closed thread fox', model: 'klein-4b' });
    await t.send(raw);
    const result = await until(() => results()[0], 10_000, 'result');
    expect(threadCalls()).toHaveLength(1);
    expect(result.channelId).toBe(CHANNEL);
    expect(result.via).toBe('webhook');
    expect(
      t.discord.calls.filter((c) => c.method === 'POST' && t.discord.threads.has(c.path.split('/')[2] ?? '')),
    ).toHaveLength(1);
  });

  it('sends smaller copies when the images fit one by one but not together, and says so', async () => {
    // 512² noise: big enough that two do not fit, small enough to re-encode quickly on a busy machine.
    t.bfl.configure({ bigImage: makePng(512, 512, true) });
    const big = makePng(512, 512, true).length;
    t.discord.maxRequestBytes = Math.floor(big * 1.5);
    const raw = slash({ prompt: '[big] twin foxes', model: 'klein-4b', count: 2, format: 'png' });
    await t.send(raw);
    const result = await until(() => results()[0], 20_000, 'result');
    const sizes = result.attachments.map((a) => a.size);
    expect(sizes).toHaveLength(2);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(t.discord.maxRequestBytes);
    expect(result.attachments.map((a) => a.filename)).toEqual([
      expect.stringMatching(/\.jpg$/),
      expect.stringMatching(/\.jpg$/),
    ]);
    expect(JSON.stringify(result.embeds)).toContain('more than Discord took in one message');
    // The refused attempt carried both originals.
    expect(t.discord.calls.some((c) => c.files.length === 2 && c.files.every((f) => f.size === big))).toBe(
      true,
    );
  });

  it('says in the member’s language that copies were sent smaller to fit one message', async () => {
    t.bfl.configure({ bigImage: makePng(512, 512, true) });
    const big = makePng(512, 512, true).length;
    t.discord.maxRequestBytes = Math.floor(big * 1.5);
    await t.send({
      ...slash({ prompt: '[big] twin foxes', model: 'klein-4b', count: 2, format: 'png' }),
      locale: 'zh-TW',
    });
    const notes = JSON.stringify((await until(() => results()[0], 20_000, 'result')).embeds);
    expect(notes).toContain('和其他圖片合起來超過了 Discord 一則訊息能接收的大小，所以改為以 JPEG 格式');
    expect(notes).not.toMatch(/ was |sent as JPEG/);
  });

  it('says in the member’s language that an image over the server’s upload limit was sent smaller', async () => {
    const png = makePng(512, 512, true);
    t.bfl.configure({ bigImage: png });
    const limit = Math.floor(png.length * 0.8);
    const raw = slash(
      { prompt: '[big] huge fox', model: 'klein-4b', format: 'png' },
      {},
      { uploadLimit: limit },
    );
    await t.send({ ...raw, locale: 'zh-CN' });
    const result = await until(() => results()[0], 20_000, 'result');
    expect(result.attachments[0]?.size).toBeLessThanOrEqual(limit);
    const mb = (limit / 1024 / 1024).toFixed(1);
    expect(JSON.stringify(result.embeds)).toMatch(
      new RegExp(`有 [\\d.]+ MB，超过了本服务器 ${mb} MB 的上传上限，所以改为以 JPEG 格式`),
    );
  });

  it('renews a day-old result link before using it as a reference', async () => {
    const first = slash({ prompt: 'yesterday fox', model: 'klein-4b' });
    await t.send(first);
    const result = await until(() => results()[0], 10_000, 'result');
    const link = result.attachments[0]?.url as string;
    expect(signedLinkExpiry(link)).toBeGreaterThan(Date.now());
    clock = 25 * 3600_000;
    const useRef = result.components[0]?.components.find((c) => c.label === 'Use as reference')?.custom_id;
    const modal = (await t.send(button(useRef as string))).body as {
      type: number;
      data: { custom_id: string };
    };
    expect(modal.type).toBe(9);
    await t.send(modalSubmit(modal.data.custom_id, { prompt: 'the same fox today' }));
    await until(() => results().length === 2, 10_000, 'second result');
    const renewed = t.discord.refreshedLinks.get(link);
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(link);
    expect([...t.bfl.tasks.values()].at(-1)?.body.input_image).toBe(renewed);
  });

  it('reads the images of an edited message again when its form comes back after a restart', async () => {
    const first = slash({ prompt: 'edit me fox', model: 'klein-4b' });
    await t.send(first);
    const result = await until(() => results()[0], 10_000, 'result');
    // "Edit with FLUX" on the bot's own result, inside its thread.
    const command = messageCommand(result.attachments.map((a) => ({ ...a, content_type: 'image/jpeg' })));
    const target = command.data?.target_id as string;
    command.channel = { id: result.channelId, type: 11 };
    command.channel_id = result.channelId;
    (command.data as { target_id: string }).target_id = result.id;
    const resolved = command.data?.resolved?.messages ?? {};
    resolved[result.id] = { ...(resolved[target] as { id: string }), id: result.id };
    const modal = (await t.send(command, result.channelId)).body as {
      type: number;
      data: { custom_id: string };
    };
    expect(modal.data.custom_id).toBe(`flux:form:edit:${result.channelId}:${result.id}`);

    await t.restart();
    const submit = modalSubmit(modal.data.custom_id, {
      prompt: 'now in watercolor',
      options: '--model klein-4b',
    });
    submit.channel = { id: result.channelId, type: 11 };
    await t.send(submit, result.channelId);
    await until(() => results().length === 2, 10_000, 'edit result');
    expect(
      t.discord.calls.some(
        (c) => c.method === 'GET' && c.path === `/channels/${result.channelId}/messages/${result.id}`,
      ),
    ).toBe(true);
    expect([...t.bfl.tasks.values()].at(-1)?.body.input_image).toBe(result.attachments[0]?.url);

    // A form id naming a message in another channel than the one it is submitted in is not read.
    const reads = t.discord.calls.filter((c) => c.method === 'GET').length;
    const crafted = modalSubmit(modal.data.custom_id, { prompt: 'borrowed', options: '--model klein-4b' });
    await t.send(crafted);
    const refusal = await until(
      () => [...t.discord.messages.values()].find((m) => m.flags & 64 && m.content.includes('out of reach')),
      5_000,
      'refusal',
    );
    expect(refusal.channelId).toBe(CHANNEL);
    expect(t.discord.calls.filter((c) => c.method === 'GET').length).toBe(reads);
    expect(results()).toHaveLength(2);
  });
});
