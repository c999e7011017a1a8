import { Routes } from 'discord.js';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createDiscordRest } from '../../../src/bots/discord/rest.ts';
import { threadName } from '../../../src/commands/flux/sink.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import {
  attachment,
  button,
  CHANNEL,
  HOSTILE_LINES,
  HOSTILE_PROMPT,
  liveMarkup,
  messageCommand,
  modalSubmit,
  post,
  type slash as Slash,
  slash,
} from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 20 } });
/** Every answer the bot gave in an HTTP response (first responses: deferrals, messages, modals). */
let answers: Array<{ type: number; data?: Record<string, unknown> }>;
beforeEach(() => {
  answers = [];
});
const http = createHttp();
afterAll(() => http.close());

async function send(raw: ReturnType<typeof Slash>) {
  t.discord.bindToken(raw.token, CHANNEL);
  const answer = await post(t.port, raw, t.keys.privateKey);
  answers.push(answer.body as (typeof answers)[number]);
  return answer.body as { type: number; data: Record<string, unknown> };
}

const results = () => [...t.discord.messages.values()].filter((m) => m.attachments.length > 0);
const summarised = (token: string) => t.discord.originalOf(token)?.content.includes('see thread');

/** Message posts and edits: channel messages, follow-ups and `@original` (webhook routes). */
const MESSAGE_ROUTE = /^\/(?:channels\/\d+\/messages(?:\/\d+)?|webhooks\/\d+\/[^/]+(?:\/messages\/[^/]+)?)$/;

type Embed = { title?: string; description?: string; fields?: Array<{ name: string; value: string }> };

/** The places of a message body where Discord renders markdown. */
function rendered(body: Record<string, unknown>): string[] {
  const embeds = (body.embeds as Embed[] | undefined) ?? [];
  return [
    String(body.content ?? ''),
    ...embeds.flatMap((e) => [
      e.title ?? '',
      e.description ?? '',
      ...(e.fields ?? []).flatMap((f) => [f.name, f.value]),
    ]),
  ].filter(Boolean);
}

describe('what the bot posts on Discord', () => {
  it('pings nobody and keeps no markup of a hostile prompt live, in every message of a full run', async () => {
    // /flux: the card, its live edits, the thread, the result and the summary.
    const first = slash({ prompt: HOSTILE_PROMPT, model: 'klein-4b' });
    await send(first);
    await until(() => results()[0] && summarised(first.token), 10_000, 'first result and summary');

    // Remix: a form prefilled with the prompt as typed (plain text there), submitted with many lines.
    const remix = results()[0]?.components[0]?.components.find((c) => c.label === 'Remix')?.custom_id;
    const form = await send(button(remix as string));
    const inputs = (
      form.data.components as Array<{ components: Array<{ custom_id: string; value?: string }> }>
    )
      .map((row) => row.components[0])
      .filter((c) => c !== undefined);
    expect(inputs.find((c) => c.custom_id === 'prompt')?.value).toBe(HOSTILE_PROMPT);
    const values = Object.fromEntries(inputs.map((c) => [c.custom_id, c.value ?? '']));
    const again = modalSubmit(String(form.data.custom_id), { ...values, prompt: HOSTILE_LINES });
    await send(again);
    await until(() => results().length === 2 && summarised(again.token), 10_000, 'remix result and summary');

    // A bad option, answered privately in the HTTP response; a job the safety filter refuses.
    const bad = slash({ prompt: HOSTILE_PROMPT, model: 'pro', steps: 20 });
    expect(await send(bad)).toMatchObject({ type: 4, data: { flags: 64 } });
    const failed = slash({ prompt: `[content-moderated] ${HOSTILE_PROMPT}`, model: 'klein-4b' });
    await send(failed);
    // A stale button, answered in the HTTP response; "Edit with FLUX" opens its form there too.
    await send(button('flux:unknown:x'));
    await send(messageCommand([attachment('a.png')]));
    // /flux-usage: a private reply with a chart (multipart, the body in payload_json).
    const usage = slash({});
    if (usage.data) usage.data.name = 'flux-usage';
    await send(usage);
    await until(
      () =>
        t.discord.originalOf(failed.token)?.embeds.some((e) => JSON.stringify(e).includes('Failed')) &&
        t.discord.calls.some((c) => c.path.includes(usage.token) && c.files.length > 0),
      10_000,
      'the refusal, the failed card and the usage reply',
    );

    const sent = t.discord.calls
      .filter((c) => (c.method === 'POST' || c.method === 'PATCH') && MESSAGE_ROUTE.test(c.path))
      .map((c) => c.body as Record<string, unknown>);
    const messages = [
      ...sent,
      ...answers.filter((a) => a.type === 4 || a.type === 7).map((a) => a.data ?? {}),
    ];
    // Cards, edits, two results, two summaries, the refusal, the failure, the stale button, usage.
    expect(messages.length).toBeGreaterThan(10);
    expect(answers.map((a) => a.type)).toEqual(expect.arrayContaining([4, 5, 9]));
    // The one mention the bot makes: the requester, on their own failure, in the failed card alone.
    const requester = failed.member?.user?.id as string;
    const ownMention = `⚠️ <@${requester}> your image could not be made.`;
    const mentioning = messages.filter((b) => b.content === ownMention);
    expect(mentioning.length).toBeGreaterThan(0);
    for (const body of messages)
      expect(body.allowed_mentions).toEqual(
        body.content === ownMention ? { parse: [], users: [requester] } : { parse: [] },
      );
    // The summary's content holds the prompt's @everyone, <@&role> and <@user>: none of them notified.
    await until(() => t.discord.pings.length > 0, 5_000, 'the failure notice');
    expect(new Set(t.discord.pings.map((p) => p.who))).toEqual(new Set([`user ${requester}`]));
    expect(t.discord.pings.every((p) => p.path.includes(failed.token))).toBe(true);

    // Beyond the bot's own mention of the requester, nothing it says is live markup.
    const texts = messages.flatMap(rendered).map((text) => (text === ownMention ? '' : text));
    for (const text of texts) expect({ text, live: liveMarkup(text) }).toEqual({ text, live: [] });
    // The prompts were there — as text — in descriptions, result fields and summaries.
    expect(texts.filter((t) => t.includes('click me')).length).toBeGreaterThan(4);
    expect(texts.some((t) => t.includes('\\# Heading\n'))).toBe(true);

    // Thread names are plain text in Discord: the prompt as typed (collapsed), nothing escaped.
    expect([...t.discord.threads.values()].map((t) => t.name)).toEqual([
      threadName(HOSTILE_PROMPT),
      threadName(HOSTILE_LINES),
    ]);
    expect(t.discord.authViolations).toEqual([]);
  });

  it('keeps the mentions a message names for itself, and adds none to what is not a message', async () => {
    const rest = createDiscordRest(t.discord.api, t.discord.token, http.dispatcher);
    const before = t.discord.calls.length;
    const requester = '400000000000000001';
    const other = '400000000000000002';
    const posted = (await rest.post(Routes.channelMessages(CHANNEL), {
      body: {
        content: `<@${requester}> your image failed`,
        allowed_mentions: { parse: ['everyone'], users: [requester], roles: ['500000000000000001'] },
      },
    })) as { id: string };
    await rest.post(Routes.threads(CHANNEL, posted.id), { body: { name: 'a thread' } });
    await rest.patch(Routes.channelMessage(CHANNEL, posted.id), { body: { content: 'edited' } });
    // Naming a user the content does not mention, or everyone, lets nobody through.
    await rest.post(Routes.channelMessages(CHANNEL), {
      body: {
        content: `hi <@${other}> @everyone`,
        allowed_mentions: { parse: ['users', 'everyone'], users: [requester] },
      },
    });
    expect(
      t.discord.calls
        .slice(before)
        .map((c) => [c.method, (c.body as Record<string, unknown>).allowed_mentions]),
    ).toEqual([
      ['POST', { parse: [], users: [requester] }],
      ['POST', undefined],
      ['PATCH', { parse: [] }],
      ['POST', { parse: [] }],
    ]);
    expect(t.discord.pings.slice(-1)).toEqual([{ path: expect.any(String), who: `user ${requester}` }]);
  });
});
