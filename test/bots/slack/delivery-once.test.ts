/**
 * A Slack result goes out exactly once, as one message (the images shared with their details), and never
 * sticks: a failed or lost step is resumed (not redone) by the retry and after a restart; a channel closed
 * to the bot ends the job undeliverable with the requester told privately; Delete says what Slack refused.
 * The whole app against the fakes.
 */
import { describe, expect, it } from 'vitest';
import type { SlackMessage } from '../../fakes/slack-server.ts';
import { newestJobId } from '../../support/core.ts';
import { blockAction, CHANNEL, commandBody, postForm, USER } from '../../support/slack.ts';
import { deliveredResult, useSlackApp } from '../../support/slack-app.ts';
import { until } from '../../support/until.ts';

const t = useSlackApp({ bfl: { generationMs: 30 } });

const text = (m: SlackMessage | undefined) => (m ? `${m.text} ${JSON.stringify(m.blocks)}` : '');
const details = () => [...t.slack.messages.values()].filter((m) => m.threadTs && !m.deleted);
const cards = () => [...t.slack.messages.values()].filter((m) => !m.threadTs && m.channel === CHANNEL);
const calls = (method: string) => t.slack.calls.filter((c) => c.method === method);
const flux = (text: string) => postForm(t.port, commandBody(text, t.slack));
const inThread = (p: Record<string, unknown>) => Boolean(p.thread_ts);
const jobId = () => until(() => newestJobId(t.config.dataDir), 10_000, 'the job');

const deliveredAfterRetry = (id: string) =>
  until(async () => (await t.app.jobs.get(id))?.state === 'delivered', 15_000, 'delivered after the retry');

describe('a Slack result, exactly once', () => {
  it('shares the images with their details as one message, and links the card to it once Slack lists it', async () => {
    // Slack finishes a share after it answers: files.info lists it only from the fourth look on.
    t.slack.shareLag = 3;
    await flux('slow listing fox --model klein-4b --seed 3');
    const id = await jobId();
    await deliveredAfterRetry(id);
    expect(t.slack.uploads.size).toBe(1);
    expect(calls('files.completeUploadExternal')).toHaveLength(1);
    expect(calls('chat.postMessage').filter((c) => inThread(c.params))).toHaveLength(0);
    const [result] = details();
    expect(details()).toHaveLength(1);
    expect(result?.files).toEqual([...t.slack.uploads.keys()]);
    expect(text(result)).toContain('flux:reroll:');
    expect(calls('files.info').length).toBeGreaterThanOrEqual(4);
    const stored = (await t.app.jobs.get(id))?.delivery.results as Array<{ ts: string }>;
    expect(stored[0]?.ts).toBe(result?.ts);
    await until(() => text(cards()[0]).includes(`p${result?.ts.replace('.', '')}`), 5_000, 'the card’s link');
  });

  it('finds a share whose answer was lost with files.info, and does not share the images twice', async () => {
    t.slack.faults.push({ method: 'files.completeUploadExternal', count: 1, lose: true });
    await flux('lost share fox --model klein-4b --seed 4');
    const id = await jobId();
    await deliveredAfterRetry(id);
    expect(t.slack.uploads.size).toBe(1);
    expect(calls('files.completeUploadExternal')).toHaveLength(1);
    expect(calls('files.info').length).toBeGreaterThan(0);
    expect(details()).toHaveLength(1);
    expect(text(details()[0])).toContain('flux:delete:');
  });

  it('after a restart, finds the share Slack accepted before the store recorded it, with its details, once', async () => {
    t.slack.faults.push({ method: 'files.completeUploadExternal', count: 1, lose: true });
    // This process never gets to look (as if it died): only the next one can find the share.
    t.slack.faults.push({ method: 'files.info', count: 1_000 });
    await flux('crash window fox --model klein-4b --seed 5');
    const id = await jobId();
    // Slack made the message; the bot never heard back, and stops before its retry.
    await until(() => details().length === 1, 10_000, 'the accepted share');
    await until(
      async () => (await t.app.jobs.get(id))?.delivery.result !== undefined,
      10_000,
      'upload recorded',
    );
    expect((await t.app.jobs.get(id))?.state).toBe('ready');
    await t.app.stop();
    t.slack.faults.length = 0;
    const lookupsBefore = calls('files.info').length;
    await t.start();
    await deliveredAfterRetry(id);
    expect(details()).toHaveLength(1);
    expect(t.slack.uploads.size).toBe(1);
    expect(calls('files.info').length).toBeGreaterThan(lookupsBefore);
    expect(calls('files.completeUploadExternal')).toHaveLength(1);
    expect(calls('chat.postMessage').filter((c) => inThread(c.params))).toHaveLength(0);
    const stored = (await t.app.jobs.get(id))?.delivery.results as Array<{ ts: string }>;
    expect(stored[0]?.ts).toBe(details()[0]?.ts);
  });
});

describe('a Slack call that never answers', () => {
  it('is given up at its deadline, and the retry delivers the result', async () => {
    await t.app.stop();
    await t.start((c) => ({ ...c, platformTimeoutMs: 1_000 }));
    t.slack.faults.push({ method: 'files.completeUploadExternal', count: 1, hang: true });
    await flux('hung fox --model klein-4b --seed 8');
    const id = await jobId();
    await until(
      async () => (await t.app.jobs.get(id))?.state === 'delivered',
      15_000,
      'delivered after the deadline',
    );
    expect(details()).toHaveLength(1);
    // The hung share never completed: Slack drops those bytes, and the retry uploads them again.
    expect([...t.slack.uploads.values()].filter((u) => u.completed)).toHaveLength(1);
  });
});

describe('a Slack channel closed to the bot after the card went up', () => {
  it('tells the requester privately with the image, ends the job undeliverable and still charged', async () => {
    t.bfl.configure({ generationMs: 400 });
    await flux('kicked fox --model klein-4b --seed 6');
    const id = await jobId();
    t.slack.notInChannel.add(CHANNEL);
    await until(async () => (await t.app.jobs.get(id))?.state === 'undeliverable', 15_000, 'undeliverable');
    const job = await t.app.jobs.get(id);
    expect(job?.costMicros).toBeGreaterThan(0);
    expect(job?.error).toMatchObject({ code: 'UNDELIVERABLE', charge: 'charged' });
    const notice = t.slack.responses.map((r) => String(r.body.text)).find((t) => t.includes('charged'));
    expect(notice).toContain('generated and charged');
    expect(notice).toContain('direct messages');
    expect(notice?.toLowerCase()).not.toContain('nothing was charged');
    const dm = t.slack.dms.get(USER) as string;
    expect([...t.slack.uploads.values()].some((u) => u.completed && u.channel === dm)).toBe(true);
    // Not tried again: the job is over.
    expect(calls('files.completeUploadExternal').filter((c) => c.params.channel_id === CHANNEL)).toHaveLength(
      1,
    );
  });
});

describe('Delete on Slack', () => {
  it('says what Slack refused instead of "Deleted", then deletes on the next press and marks the card', async () => {
    await flux('delete fox --model klein-4b --seed 7');
    const result = await deliveredResult(t);
    const del = JSON.stringify(result.blocks).match(/flux:delete:[0-9a-f-]+/)?.[0] as string;
    t.slack.faults.push({ method: 'chat.delete', count: 1, error: 'cant_delete_message' });
    await postForm(t.port, { payload: JSON.stringify(blockAction(del)) });
    const refused = await until(
      () => t.slack.ephemerals.find((e) => e.text.startsWith('Not deleted')),
      5_000,
      'the refusal',
    );
    expect(refused.text).toBe(
      'Not deleted: the result message (Slack said: `cant_delete_message`). Press Delete again in a moment, or remove it by hand.',
    );
    expect(t.slack.ephemerals.some((e) => e.text === 'Deleted.')).toBe(false);
    expect(result.deleted).toBe(false);

    await postForm(t.port, { payload: JSON.stringify(blockAction(del)) });
    await until(() => t.slack.ephemerals.find((e) => e.text === 'Deleted.'), 5_000, 'deleted');
    expect(result.deleted).toBe(true);
    await until(() => text(cards()[0]).includes('Deleted by ana'), 5_000, 'the card says who deleted it');
    expect(text(cards()[0])).not.toContain('see thread');
  });

  it('says it in the presser’s language, an image Slack kept named too', async () => {
    t.slack.userLocales.set(USER, 'zh-TW');
    await flux('delete fox --model klein-4b --seed 7');
    const result = await until(() => details()[0], 10_000, 'details');
    const del = JSON.stringify(result.blocks).match(/flux:delete:[0-9a-f-]+/)?.[0] as string;
    t.slack.faults.push({ method: 'files.delete', count: 1, error: 'cant_delete_file' });
    await postForm(t.port, { payload: JSON.stringify(blockAction(del)) });
    const refused = await until(
      () => t.slack.ephemerals.find((e) => e.text.startsWith('未刪除')),
      5_000,
      'the refusal',
    );
    expect(refused.text).toBe(
      '未刪除：一張圖片（Slack 回覆：`cant_delete_file`）。請稍後再按一次「刪除」，或手動刪除。',
    );
  });
});
