import { describe, expect, it } from 'vitest';
import { makePng } from '../../fakes/images.ts';
import type { SlackMessage } from '../../fakes/slack-server.ts';
import {
  blockAction,
  CHANNEL,
  commandBody,
  messageShortcut,
  postForm,
  sign,
  USER,
  viewSubmission,
} from '../../support/slack.ts';
import { deliveredResult, useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const t = useSlackApp({ bfl: { generationMs: 30 } });

const text = (m: SlackMessage | undefined) => (m ? `${m.text} ${JSON.stringify(m.blocks)}` : '');
const cards = () => [...t.slack.messages.values()].filter((m) => !m.threadTs);
const details = () => [...t.slack.messages.values()].filter((m) => m.threadTs);
const flux = (text: string, over?: Record<string, string>) =>
  postForm(t.port, commandBody(text, t.slack, over));
const privately = () => [
  ...t.slack.ephemerals.map((e) => e.text),
  ...t.slack.responses.map((r) => String(r.body.text)),
];

describe('Slack over HTTP', () => {
  it('acks at once, posts the card, and the image with its cost in the card’s thread', async () => {
    const res = await flux('"a red fox in the snow" --model klein-4b --seed 42');
    expect(res.status).toBe(200);
    const detail = await until(() => details()[0], 10_000, 'details');
    const card = cards()[0] as SlackMessage;
    expect(detail.threadTs).toBe(card.ts);
    const [fileId, upload] = [...t.slack.uploads.entries()][0] ?? [];
    expect(upload).toMatchObject({
      completed: true,
      channel: CHANNEL,
      threadTs: card.ts,
      filename: 'flux-42.jpg',
    });
    expect(text(detail)).toContain('$0.045');
    expect(text(detail)).toContain('`42`');
    expect(text(detail)).toContain('flux:reroll:');
    await until(() => text(cards()[0]).includes('Done in'), 5_000, 'summary');
    // One message: the image shared with the details as its blocks, the prompt, the fields, the buttons.
    expect(details()).toHaveLength(1);
    expect(detail.files).toEqual([fileId]);
    expect(detail.blocks.map((b) => b.type)).toEqual(['section', 'section', 'actions']);
    expect(JSON.stringify(detail.blocks[0])).toContain('a red fox in the snow');
    const share = t.slack.calls.filter((c) => c.method === 'files.completeUploadExternal');
    expect(share).toHaveLength(1);
    expect(share[0]?.params).toMatchObject({ channel_id: CHANNEL, thread_ts: card.ts });
    expect(share[0]?.params.initial_comment).toBeUndefined();
    expect(JSON.parse(String(share[0]?.params.blocks))).toEqual(detail.blocks);
    expect(t.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.params.thread_ts)).toEqual([]);
    // The card keeps the settings and links to the thread with Slack's own permalink of the details.
    const done = cards()[0] as SlackMessage;
    const permalink = `https://fake.slack.com/archives/${CHANNEL}/p${detail.ts.replace('.', '')}?thread_ts=${card.ts}&amp;cid=${CHANNEL}`;
    expect(text(done)).toMatch(/Done in \d+\.\d s · \$0\.045 · <https:/);
    expect(done.blocks[0]).toMatchObject({
      text: { text: expect.stringContaining(`<${permalink}|see thread>`) },
    });
    const fields = JSON.stringify(done.blocks[1]);
    for (const f of ['*Model*', 'FLUX.2 [klein] 4B', '*Size*', '*Seed*', '`42`', '*Cost*', '$0.045'])
      expect(fields).toContain(f);
    expect(t.slack.calls.filter((c) => c.method === 'chat.getPermalink')).toHaveLength(1);
    expect(t.slack.calls.every((c) => c.auth === `Bearer ${t.slack.botToken}`)).toBe(true);
  });

  it('refuses a bad signature and a stale timestamp with 401', async () => {
    const body = new URLSearchParams(commandBody('a fox', t.slack)).toString();
    expect(
      (
        await postForm(
          t.port,
          commandBody('a fox', t.slack),
          sign(body, undefined, 'wrong-secret-xxxxxxxxxx'),
        )
      ).status,
    ).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 600;
    expect((await postForm(t.port, commandBody('a fox', t.slack), sign(body, stale))).status).toBe(401);
    expect(cards()).toHaveLength(0);
  });

  it('answers /flux help privately with the syntax', async () => {
    await flux('help');
    const reply = await until(() => t.slack.ephemerals[0], 5_000, 'help');
    expect(reply.user).toBe(USER);
    expect(reply.text).toContain('--model');
    expect(reply.text).toContain('Examples');
  });

  it('answers every parse and validation error privately, naming the option, and queues nothing', async () => {
    const cases: Array<[string, string]> = [
      ['a fox --modle max', 'Unknown option `--modle`'],
      ['a fox --model', '`--model`'],
      ['a fox --size 1000x1000', '`size`'],
      ['a fox --model pro --steps 20', 'only with model flex'],
      ['a fox --count 9', 'from 1 to 4'],
      ['--model max', 'Please add a prompt'],
    ];
    for (const [input] of cases) await flux(input);
    await until(() => t.slack.ephemerals.length >= cases.length, 5_000, 'all replies');
    for (const [, expected] of cases)
      expect(
        t.slack.ephemerals.map((e) => e.text).some((t) => t.includes(expected)),
        expected,
      ).toBe(true);
    expect(cards()).toHaveLength(0);
    expect(t.bfl.counts.submits).toBe(0);
  });

  it('downloads a Slack file reference with the bot token, only from Slack, and sends it as bytes', async () => {
    const file = t.slack.addFile('cat.png', makePng(32, 32));
    await flux(`make it a watercolor --model klein-4b --ref <${file.url_private}|cat.png>`);
    await until(() => details()[0], 10_000, 'details');
    expect(t.slack.fileRequests).toEqual([
      { path: `/files-pri/T1-${file.id}/cat.png`, auth: `Bearer ${t.slack.botToken}` },
    ]);
    const body = [...t.bfl.tasks.values()][0]?.body;
    expect(String(body?.input_image)).toMatch(/^iVBOR/);
    expect(JSON.stringify(t.bfl.requests)).not.toContain(t.slack.botToken);
  });

  it('says the files:read scope is missing when Slack answers its login page', async () => {
    t.slack.missingFilesScope = true;
    const file = t.slack.addFile('cat.png', makePng(8, 8));
    await flux(`edit --ref ${file.url_private}`);
    const reply = await until(() => t.slack.ephemerals[0], 5_000, 'reply');
    expect(reply.text).toContain('files:read');
    expect(t.bfl.counts.submits).toBe(0);
  });

  it('refuses a private-network link instead of handing it on', async () => {
    await flux('edit --ref http://192.168.1.10/secret.png');
    const reply = await until(() => t.slack.ephemerals[0], 5_000, 'reply');
    expect(reply.text).toContain('not a private or local address');
  });

  it('tells how to add the bot when it is not in the channel, and queues nothing', async () => {
    t.slack.notInChannel.add('C999');
    await flux('a fox --model klein-4b', { channel_id: 'C999' });
    const reply = await until(() => t.slack.responses[0], 5_000, 'response_url reply');
    expect(String(reply.body.text)).toContain('/invite');
    expect(reply.body.response_type).toBe('ephemeral');
    expect(t.bfl.counts.submits).toBe(0);
  });

  it('answers from a DM or Slack Connect channel it cannot post in the same way, not with a stack trace', async () => {
    t.slack.channelErrors.set('D123', 'channel_not_found');
    t.slack.channelErrors.set('C777', 'restricted_action');
    await flux('a dm fox --model klein-4b', { channel_id: 'D123' });
    await flux('a shared fox --model klein-4b', { channel_id: 'C777', user_id: 'U300' });
    await until(() => t.slack.responses.length >= 2, 5_000, 'response_url replies');
    for (const r of t.slack.responses) {
      expect(String(r.body.text)).toContain('/invite @FLUX');
      expect(String(r.body.text)).not.toMatch(/Error|at \w+ \(/);
    }
    expect(t.bfl.counts.submits).toBe(0);
  });

  it('uploads four images in one upload', async () => {
    await flux('four foxes --model klein-4b --count 4 --seed 1');
    await until(() => details()[0], 10_000, 'details');
    const complete = t.slack.calls.filter((c) => c.method === 'files.completeUploadExternal');
    expect(complete).toHaveLength(1);
    expect(JSON.parse(String(complete[0]?.params.files))).toHaveLength(4);
  });

  it('says when the safety filter refused (not charged) and when credits ran out', async () => {
    await flux('[content-moderated] fox --model klein-4b');
    await flux('[402] fox --model klein-4b', { user_id: 'U200' });
    await until(
      () => cards().filter((c) => text(c).includes('Image failed')).length === 2,
      5_000,
      'failed cards',
    );
    const all = cards().map(text).join(' ');
    expect(all).toContain('another seed may pass. Not charged.');
    expect(all).toContain('out of credits');
    // Failure is its own look: a ⚠️ header, the requester mentioned, what to do — Retry where a seed may help.
    const moderated = cards().find((c) => text(c).includes('another seed')) as SlackMessage;
    expect(moderated.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '⚠️ Image failed', emoji: true },
    });
    expect(moderated.text).toMatch(new RegExp(`^:warning: <@${USER}> your image could not be made\\.`));
    const buttons = JSON.stringify(moderated.blocks.find((b) => b.type === 'actions'));
    expect(buttons).toMatch(/"action_id":"flux:retry:[0-9a-f-]+"/);
    expect(buttons).toContain('Retry with a new seed');
    const broke = cards().find((c) => text(c).includes('out of credits')) as SlackMessage;
    expect(broke.text).toContain('<@U200>');
    // Out of credits: another seed would not help, so no Retry.
    expect(broke.blocks.some((b) => b.type === 'actions')).toBe(false);
    // Retry runs the same request again with a new seed, as a child of the failed job.
    const retry = buttons.match(/flux:retry:([0-9a-f-]+)/) as RegExpMatchArray;
    await postForm(t.port, { payload: JSON.stringify(blockAction(retry[0])) });
    const child = await until(
      () => cards().find((c) => JSON.stringify(c.blocks).includes('Retry of a failed image')),
      5_000,
      'the retry card',
    );
    expect(child.text).toContain('fox');
  });

  it('rerolls from a button after a restart, and answers politely for an unknown job', async () => {
    await flux('restart fox --model klein-4b --seed 5');
    const first = await until(() => details()[0], 10_000, 'details');
    const reroll = JSON.stringify(first.blocks).match(/flux:reroll:[0-9a-f-]+/)?.[0] as string;
    await t.restart();
    await postForm(t.port, { payload: JSON.stringify(blockAction(reroll)) });
    await until(() => details()[1], 10_000, 'second result');
    expect(t.bfl.counts.accepted).toBe(2);
    await postForm(t.port, {
      payload: JSON.stringify(blockAction('flux:reroll:00000000-0000-0000-0000-000000000000')),
    });
    const reply = await until(() => privately().find((t) => t.includes('no longer known')), 5_000, 'polite');
    expect(reply).toBeTruthy();
  });

  it('lets only the requester or a workspace admin delete a result', async () => {
    await flux('delete me --model klein-4b');
    const result = await until(() => details()[0], 10_000, 'details');
    const del = JSON.stringify(result.blocks).match(/flux:delete:[0-9a-f-]+/)?.[0] as string;
    await postForm(t.port, { payload: JSON.stringify(blockAction(del, { user: 'U777' })) });
    await until(() => t.slack.ephemerals.find((e) => e.text.includes('Only the person')), 5_000, 'refusal');
    expect(result.deleted).toBe(false);
    t.slack.admins.add('U888');
    await postForm(t.port, { payload: JSON.stringify(blockAction(del, { user: 'U888' })) });
    // The message goes first and its files after it: wait for the answer, then for all of them.
    await until(() => t.slack.ephemerals.find((e) => e.text === 'Deleted.'), 5_000, 'deleted');
    const files = [...t.slack.uploads.values()].filter((u) => u.threadTs === result.threadTs);
    expect(files).toHaveLength(1);
    await until(() => result.deleted && files.every((f) => f.deleted), 5_000, 'message and files deleted');
  });

  it('edits a message’s images with the "Edit with FLUX" shortcut', async () => {
    const file = t.slack.addFile('dog.png', makePng(16, 16));
    await postForm(t.port, {
      payload: JSON.stringify(
        messageShortcut([{ url_private: file.url_private, mimetype: 'image/png' }], t.slack),
      ),
    });
    const opened = await until(() => t.slack.views[0], 5_000, 'modal');
    await postForm(t.port, {
      payload: JSON.stringify(
        viewSubmission(opened.view, { prompt: 'as a painting', options: '--model klein-9b' }),
      ),
    });
    await until(() => details()[0], 10_000, 'details');
    const task = [...t.bfl.tasks.values()][0];
    expect(task?.model).toBe('flux-2-klein-9b');
    expect(String(task?.body.input_image)).toMatch(/^iVBOR/);
  });
});

describe('Slack under rate limits and iteration', () => {
  it('waits out a 429 from chat.postMessage (Retry-After) and still delivers', async () => {
    // Production keeps the Web API's retries; the suite's default of none would turn the 429 into an error.
    await t.app.stop();
    await t.start(undefined, 2);
    t.slack.rateLimit.set('chat.postMessage', 1);
    t.slack.rateLimit.set('files.completeUploadExternal', 1);
    await flux('patient fox --model klein-4b');
    await until(() => details()[0], 15_000, 'details');
    expect(t.slack.calls.filter((c) => c.method === 'chat.postMessage').length).toBeGreaterThanOrEqual(2);
    expect(t.slack.calls.filter((c) => c.method === 'files.completeUploadExternal')).toHaveLength(2);
    expect(details()).toHaveLength(1);
  });

  it('uses a result as the reference of a new image, reading it back with the bot token', async () => {
    await flux('reference fox --model klein-4b');
    const first = await deliveredResult(t);
    const useRef = JSON.stringify(first.blocks).match(/flux:use-ref:[0-9a-f-]+/)?.[0] as string;
    await postForm(t.port, { payload: JSON.stringify(blockAction(useRef)) });
    const opened = await until(() => t.slack.views[0], 5_000, 'modal');
    await postForm(t.port, {
      payload: JSON.stringify(viewSubmission(opened.view, { prompt: 'the same fox in spring' })),
    });
    await until(() => details()[1], 10_000, 'second result');
    expect(String([...t.bfl.tasks.values()].at(-1)?.body.input_image)).toMatch(/^\/9j\//);
    expect(t.slack.fileRequests.every((r) => r.auth === `Bearer ${t.slack.botToken}`)).toBe(true);
  });
});
