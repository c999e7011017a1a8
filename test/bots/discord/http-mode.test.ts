import { beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { buildCommands, registerCommands } from '../../../src/bots/discord/commands.ts';
import type { FakeMessage } from '../../fakes/discord-server.ts';
import { makePng } from '../../fakes/images.ts';
import {
  APP_ID,
  attachment,
  autocomplete,
  button,
  CHANNEL,
  GUILD,
  messageCommand,
  messageText,
  modalSubmit,
  post,
  slash,
} from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

let clock = 0;
const now = () => Date.now() + clock;
beforeEach(() => {
  clock = 0;
});
const t = useDiscordApp({ bfl: { generationMs: 30 }, now });

const text = messageText;
const results = () => [...t.discord.messages.values()].filter((m) => m.attachments.length > 0);
const ephemerals = () => [...t.discord.messages.values()].filter((m) => m.flags & 64);
const card = (token: string) => t.discord.originalOf(token);

async function flux(
  options: Record<string, string | number | boolean>,
  extra: Parameters<typeof slash>[2] = {},
  who?: Parameters<typeof slash>[1],
) {
  const raw = slash(options, who, extra);
  t.discord.bindToken(raw.token, CHANNEL);
  const answer = await post(t.port, raw, t.keys.privateKey);
  return { raw, answer };
}

describe('Discord over HTTP interactions', () => {
  it('answers PING with PONG and refuses bad or missing signatures with 401', async () => {
    const ping = { ...slash({}), type: 1 };
    expect((await post(t.port, ping, t.keys.privateKey)).body).toEqual({ type: 1 });
    expect((await post(t.port, ping, t.keys.privateKey, { tamper: true })).status).toBe(401);
    const res = await fetch(`http://127.0.0.1:${t.port}/discord/interactions`, {
      method: 'POST',
      body: '{"type":1}',
    });
    expect(res.status).toBe(401);
  });

  it('defers at once, shows the card, and posts the image with its cost in a thread named after the prompt', async () => {
    const ref = attachment('cat.png');
    const { raw, answer } = await flux(
      { prompt: 'a red fox in the snow', model: 'klein-9b', size: '1024x1024', seed: 42 },
      { attachments: [ref] },
    );
    expect(answer.body).toEqual({ type: 5 });
    const result = await until(() => results()[0], 10_000, 'result');
    const thread = [...t.discord.threads.values()][0];
    expect(thread?.name).toBe('a red fox in the snow');
    expect(result.channelId).toBe(thread?.id);
    expect(result.attachments).toHaveLength(1);
    expect(text(result)).toContain('$0.045');
    expect(text(result)).toContain('`42`');
    expect(text(result)).toContain('Reroll');
    expect(result.components[0]?.components.map((c) => c.custom_id)).toContain(
      `flux:delete:${(await t.app.jobs.get(result.components[0]?.components[0]?.custom_id?.split(':')[2] ?? ''))?.id}`,
    );
    const c = await until(
      () => (text(card(raw.token)).includes('Done in') ? card(raw.token) : undefined),
      5_000,
      'summary',
    );
    // The card keeps what a member comes back for, and links to the thread itself.
    expect(c.content).toContain(
      `Done in ${c.content.match(/Done in (\d+\.\d) s/)?.[1]} s · $0.045 · [see thread](<https://discord.com/channels/${GUILD}/${thread?.id}>)`,
    );
    expect(c.embeds[0]?.fields).toEqual([
      { name: 'Model', value: 'FLUX.2 \\[klein\\] 9B', inline: true },
      { name: 'Size', value: '1024×1024 · 1.05 MP', inline: true },
      { name: 'Seed', value: '`42`', inline: true },
      { name: 'Cost', value: '$0.045', inline: true },
    ]);
    // The reference went to BFL as the attachment's URL; nothing carried the wrong credentials.
    expect([...t.bfl.tasks.values()][0]?.body.input_image).toBe(ref.url);
    expect(t.discord.authViolations).toEqual([]);
  });

  it('shows the estimate and live status on the card before the result', async () => {
    // Long enough for a throttled edit (one a second) to show the generating state.
    t.bfl.configure({ generationMs: 1_600 });
    const { raw } = await flux({ prompt: 'slow fox', model: 'klein-4b', count: 2 });
    await until(() => results()[0], 10_000, 'result');
    const edits = t.discord.calls
      .filter((c) => c.method === 'PATCH' && c.path.includes(raw.token))
      .map((c) => JSON.stringify(c.body));
    expect(edits[0]).toContain('Queued');
    expect(edits[0]).toContain('~$0.03');
    expect(edits[0]).toContain('1024×1024 · 1.05 MP');
    expect(edits.some((e) => e.includes('Generating'))).toBe(true);
  });

  it('answers a bad option privately, names it, and queues nothing', async () => {
    const { raw, answer } = await flux({ prompt: 'a fox', model: 'pro', steps: 20 });
    // The private error is the first response: no public "thinking…" was ever shown, nor removed.
    expect(answer.body).toMatchObject({ type: 4, data: { flags: 64 } });
    const reply = (answer.body as { data: { content: string } }).data;
    expect(reply.content).toContain('`steps`');
    expect(reply.content).toContain('only with model flex');
    expect(card(raw.token)).toBeUndefined();
    expect(t.discord.calls.filter((c) => c.path.includes(raw.token))).toEqual([]);
    expect(t.bfl.counts.submits).toBe(0);
  });

  it('posts under the card when it may not start a thread', async () => {
    t.discord.denyThreads = true;
    await flux({ prompt: 'no threads here', model: 'klein-4b' });
    const result = await until(() => results()[0], 10_000, 'result');
    expect(result.channelId).toBe(CHANNEL);
    expect(result.via).toBe('webhook');
  });

  it('delivers four images in one message', async () => {
    await flux({ prompt: 'four foxes', model: 'klein-4b', count: 4, seed: 1 });
    const result = await until(() => results()[0], 10_000, 'result');
    expect(result.attachments.map((a) => a.filename)).toEqual([
      'flux-1.jpg',
      'flux-2.jpg',
      'flux-3.jpg',
      'flux-4.jpg',
    ]);
    expect(results()).toHaveLength(1);
  });

  it('says when the safety filter refused and that nothing was charged; says when credits ran out', async () => {
    const { raw } = await flux({ prompt: '[content-moderated] fox', model: 'klein-4b' });
    await until(() => text(card(raw.token)).includes('Failed'), 5_000, 'failed card');
    expect(text(card(raw.token))).toContain('another seed may pass. Not charged.');
    // Failure is its own look: red, ⚠️, the requester mentioned — and pinged, them alone.
    const failed = card(raw.token) as FakeMessage;
    const requester = raw.member?.user?.id as string;
    expect(failed.content).toBe(`⚠️ <@${requester}> your image could not be made.`);
    expect(failed.embeds[0]).toMatchObject({ color: 0xed4245, title: '⚠️ Failed' });
    expect(JSON.stringify(failed.embeds[0])).toContain('Press “Retry with a new seed” to try again.');
    const edit = t.discord.calls.findLast(
      (c) => c.method === 'PATCH' && c.path.includes(raw.token) && JSON.stringify(c.body).includes('Failed'),
    );
    expect((edit?.body as { allowed_mentions?: unknown } | undefined)?.allowed_mentions).toEqual({
      parse: [],
      users: [requester],
    });
    // The ping is a new message after the card's edit (an edit notifies nobody).
    await until(() => t.discord.pings.length > 0, 5_000, 'the failure notice');
    expect(t.discord.pings.map((p) => p.who)).toEqual([`user ${requester}`]);
    const retry = failed.components[0]?.components.map((c) => [c.label, c.custom_id]);
    const jobId = (await t.app.jobs.get(retry?.[0]?.[1]?.split(':')[2] ?? ''))?.id as string;
    expect(retry).toEqual([['Retry with a new seed', `flux:retry:${jobId}`]]);
    // Retry makes the same request again with a new seed, as a child of the failed job; not for strangers.
    const stranger = button(`flux:retry:${jobId}`, { id: '400000000000000077' });
    t.discord.bindToken(stranger.token, CHANNEL);
    await post(t.port, stranger, t.keys.privateKey);
    const submits = t.bfl.counts.submits;
    const again = button(`flux:retry:${jobId}`);
    t.discord.bindToken(again.token, CHANNEL);
    await post(t.port, again, t.keys.privateKey);
    const retried = await until(
      () =>
        [...t.discord.messages.values()].find((m) =>
          JSON.stringify(m.embeds).includes('Retry of a failed image'),
        ),
      5_000,
      'the retry card',
    );
    expect(retried.flags & 64).toBe(0);
    await until(() => t.bfl.counts.submits === submits + 1, 5_000, 'the retried request');
    expect(
      t.discord.calls.some(
        (c) =>
          c.path.includes(stranger.token) &&
          String((c.body as { content?: string }).content).includes('Only the person'),
      ),
    ).toBe(true);
    const broke = await flux({ prompt: '[402] fox', model: 'klein-4b' }, {}, { id: '400000000000000009' });
    await until(() => text(card(broke.raw.token)).includes('out of credits'), 5_000, '402 card');
    expect(results()).toHaveLength(0);
  });

  it('re-encodes an image over the upload limit and says so', async () => {
    // Noise does not compress: 768² is ~1.7 MB as PNG, over a 512 KB limit (small enough to re-encode
    // quickly on a busy machine).
    t.bfl.configure({ bigImage: makePng(768, 768, true) });
    await flux({ prompt: '[big] huge fox', model: 'klein-4b', format: 'png' }, { uploadLimit: 512 * 1024 });
    const result = await until(() => results()[0], 20_000, 'result');
    expect(result.attachments[0]?.filename).toMatch(/\.jpg$/);
    expect(result.attachments[0]?.size).toBeLessThanOrEqual(512 * 1024);
    expect(text(result)).toContain('over this server');
  });

  it('keeps working after 15 minutes with the bot token on channel routes', async () => {
    t.bfl.configure({ generationMs: 600_000 });
    const { raw } = await flux({ prompt: 'patient fox', model: 'klein-4b' });
    // The card and its first edit (its place in line, sent at once) are made while the token lives.
    await until(
      () => t.discord.calls.filter((c) => c.method === 'PATCH' && c.path.includes(raw.token)).length >= 2,
      5_000,
      'card and its place',
    );
    clock = 16 * 60_000;
    t.discord.expiredTokens.add(raw.token);
    // Ready only now: an image finished while the token still worked (a slow machine) would prove nothing.
    await until(() => t.bfl.tasks.size === 1, 5_000, 'submitted');
    for (const task of t.bfl.tasks.values()) task.readyAt = Date.now();
    const callsBefore = t.discord.calls.length;
    const result = await until(() => results()[0], 10_000, 'result');
    expect(result.via).toBe('bot');
    // The card's last edit follows the result: wait for it, then look at everything sent since.
    await until(
      () =>
        t.discord.calls
          .slice(callsBefore)
          .some((c) => c.method === 'PATCH' && c.path.startsWith('/channels/')),
      5_000,
      'the card edited with the bot token',
    );
    expect(t.discord.calls.slice(callsBefore).some((c) => c.path.includes(raw.token))).toBe(false);
  });

  it('rerolls from a button after a restart, and answers politely for an unknown job', async () => {
    await flux({ prompt: 'restart fox', model: 'klein-4b', seed: 5 });
    const first = await until(() => results()[0], 10_000, 'result');
    const reroll = first.components[0]?.components.find((c) => c.label === 'Reroll')?.custom_id as string;
    expect(reroll).toMatch(/^flux:reroll:/);
    await t.restart();
    const press = button(reroll);
    t.discord.bindToken(press.token, CHANNEL);
    expect((await post(t.port, press, t.keys.privateKey)).body).toEqual({ type: 6 });
    const second = await until(() => results()[1], 10_000, 'second result');
    expect(text(second)).toContain('restart fox');
    expect(text(second)).not.toContain('`5`');
    expect(t.bfl.counts.accepted).toBe(2);

    const ghost = button('flux:reroll:00000000-0000-0000-0000-000000000000');
    t.discord.bindToken(ghost.token, CHANNEL);
    await post(t.port, ghost, t.keys.privateKey);
    const reply = await until(() => ephemerals()[0], 5_000, 'polite answer');
    expect(reply.content).toContain('no longer known');
  });

  it('offers size presets with megapixels and cost by autocomplete', async () => {
    const { body } = await post(t.port, autocomplete('16:9', 'max'), t.keys.privateKey);
    const choices = (body as { type: number; data: { choices: Array<{ name: string; value: string }> } }).data
      .choices;
    expect((body as { type: number }).type).toBe(8);
    expect(choices[0]).toEqual({ name: 'Wide 16:9 · 1360×768 · 1.04 MP · ~$0.10', value: '1360x768' });
  });

  it('edits the images of a message with "Edit with FLUX"', async () => {
    const refs = [attachment('a.png'), attachment('b.jpg', 2000, 'image/jpeg')];
    const command = messageCommand(refs);
    t.discord.bindToken(command.token, CHANNEL);
    const { body } = await post(t.port, command, t.keys.privateKey);
    const modal = body as { type: number; data: { custom_id: string; components: unknown[] } };
    expect(modal.type).toBe(9);
    const submit = modalSubmit(modal.data.custom_id, {
      prompt: 'make them watercolor',
      options: '--model klein-9b',
    });
    t.discord.bindToken(submit.token, CHANNEL);
    await post(t.port, submit, t.keys.privateKey);
    await until(() => results()[0], 10_000, 'result');
    const task = [...t.bfl.tasks.values()][0];
    expect(task?.model).toBe('flux-2-klein-9b');
    expect([task?.body.input_image, task?.body.input_image_2]).toEqual(refs.map((r) => r.url));
  });

  it('lets only the requester or a moderator cancel a queued job', async () => {
    const cfgApp = t.app as App;
    // Fill the only slots so the next job waits: they outlast the test (stop aborts them), however slowly
    // the 24 requests arrive on a busy machine.
    t.bfl.configure({ generationMs: 600_000 });
    for (let i = 0; i < 24; i++)
      await flux(
        { prompt: `filler ${i}`, model: 'klein-4b' },
        {},
        { id: `4000000000000001${String(i).padStart(2, '0')}` },
      );
    const { raw } = await flux({ prompt: 'waiting fox', model: 'klein-4b' });
    const jobId = await until(
      () => {
        const m = card(raw.token);
        return m?.components[0]?.components[0]?.custom_id?.split(':')[2];
      },
      5_000,
      'cancel button',
    );
    const stranger = button(`flux:cancel:${jobId}`, { id: '499999999999999999' });
    t.discord.bindToken(stranger.token, CHANNEL);
    expect((await post(t.port, stranger, t.keys.privateKey)).body).toEqual({ type: 6 });
    await until(() => ephemerals().find((m) => m.content.includes('Only the person')), 5_000, 'refusal');
    const owner = button(`flux:cancel:${jobId}`);
    t.discord.bindToken(owner.token, CHANNEL);
    await post(t.port, owner, t.keys.privateKey);
    await until(async () => (await cfgApp.jobs.get(jobId))?.state === 'cancelled', 15_000, 'cancelled');
    await until(() => text(card(raw.token)).includes('Cancelled · not charged'), 15_000, 'cancelled card');
  });
});

describe('command registration', () => {
  it('derives /flux and "Edit with FLUX" from the option definition and PUTs them', async () => {
    const commands = buildCommands() as Array<{
      name: string;
      options?: Array<{ name: string; type: number; choices?: unknown[]; autocomplete?: boolean }>;
    }>;
    const flux = commands.find((c) => c.name === 'flux');
    expect(flux?.options?.map((o) => o.name)).toEqual([
      'prompt',
      'model',
      'size',
      'seed',
      'count',
      'steps',
      'guidance',
      'safety',
      'format',
      'upsample',
      'draft',
      'image',
      'image2',
      'image3',
      'image4',
    ]);
    expect(flux?.options?.find((o) => o.name === 'model')?.choices).toHaveLength(5);
    expect(flux?.options?.find((o) => o.name === 'size')?.autocomplete).toBe(true);
    expect(flux?.options?.filter((o) => o.type === 11)).toHaveLength(4);
    const saved = await registerCommands({
      token: t.discord.token,
      applicationId: APP_ID,
      guildId: '200000000000000001',
      apiBase: t.discord.api,
    });
    expect(saved.names).toEqual([
      'flux',
      'Edit with FLUX',
      'flux-usage',
      'flux-show',
      'flux-history',
      'flux-admin',
    ]);
    expect(flux?.options?.find((o) => o.name === 'draft')?.type).toBe(5);
    const show = commands.find((c) => c.name === 'flux-show');
    expect(show?.options).toEqual([expect.objectContaining({ name: 'id', type: 3, required: true })]);
    const admin = commands.find((c) => c.name === 'flux-admin') as
      | { default_member_permissions?: string }
      | undefined;
    expect(admin?.default_member_permissions).toBe('32');
    expect(t.discord.calls.at(-1)).toMatchObject({
      method: 'PUT',
      path: `/applications/${APP_ID}/guilds/200000000000000001/commands`,
    });
  });
});

describe('Discord result buttons', () => {
  const t2 = useDiscordApp({ bfl: { generationMs: 20 } });

  async function firstResult() {
    const raw = slash({ prompt: 'button fox', model: 'klein-4b', seed: 11, format: 'png' });
    t2.discord.bindToken(raw.token, CHANNEL);
    await post(t2.port, raw, t2.keys.privateKey);
    const result = await until(
      () => [...t2.discord.messages.values()].find((m) => m.attachments.length),
      10_000,
      'result',
    );
    const ids = Object.fromEntries(
      (result.components[0]?.components ?? []).map((c) => [c.label, c.custom_id as string]),
    );
    return { result, ids };
  }

  async function press(customId: string, who?: Parameters<typeof button>[1]) {
    const raw = button(customId, who);
    t2.discord.bindToken(raw.token, CHANNEL);
    return post(t2.port, raw, t2.keys.privateKey);
  }

  it('opens Remix as a form prefilled with the prompt and settings', async () => {
    const { ids } = await firstResult();
    const { body } = await press(ids.Remix as string);
    const modal = body as {
      type: number;
      data: {
        custom_id: string;
        components: Array<{ components: Array<{ custom_id: string; value?: string }> }>;
      };
    };
    expect(modal.type).toBe(9);
    const fields = Object.fromEntries(
      modal.data.components.map((r) => [r.components[0]?.custom_id, r.components[0]?.value]),
    );
    expect(fields).toMatchObject({ prompt: 'button fox', model: 'klein-4b', size: '1024x1024', seed: '11' });
    expect(fields.options).toContain('--format png');
    const submit = modalSubmit(modal.data.custom_id, {
      ...(fields as Record<string, string>),
      prompt: 'button fox, at night',
      seed: '12',
    });
    t2.discord.bindToken(submit.token, CHANNEL);
    await post(t2.port, submit, t2.keys.privateKey);
    await until(
      () => [...t2.discord.messages.values()].filter((m) => m.attachments.length).length === 2,
      10_000,
      'remix result',
    );
    const task = [...t2.bfl.tasks.values()].at(-1);
    expect(task?.body).toMatchObject({ prompt: 'button fox, at night', seed: 12, output_format: 'png' });
  });

  it('uses a result as the reference of a new image', async () => {
    const { result, ids } = await firstResult();
    const { body } = await press(ids['Use as reference'] as string);
    const modal = body as { data: { custom_id: string } };
    expect(modal.data.custom_id).toMatch(/^flux:form:ref:/);
    const submit = modalSubmit(modal.data.custom_id, { prompt: 'the same fox in spring' });
    t2.discord.bindToken(submit.token, CHANNEL);
    await post(t2.port, submit, t2.keys.privateKey);
    await until(
      () => [...t2.discord.messages.values()].filter((m) => m.attachments.length).length === 2,
      10_000,
      'second result',
    );
    expect([...t2.bfl.tasks.values()].at(-1)?.body.input_image).toBe(result.attachments[0]?.url);
  });

  it('deletes a result for its requester or a moderator, and refuses anyone else', async () => {
    const { result, ids } = await firstResult();
    await press(ids.Delete as string, { id: '499999999999999998' });
    await until(
      () =>
        [...t2.discord.messages.values()].find((m) => m.flags & 64 && m.content.includes('Only the person')),
      5_000,
      'refusal',
    );
    expect(result.deleted).toBe(false);
    await press(ids.Delete as string, { id: '499999999999999997', permissions: String(1 << 13) });
    await until(() => result.deleted, 5_000, 'deleted by a moderator');
  });
});
