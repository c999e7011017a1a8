/**
 * The Slack result as one message, at the context against the fake Slack: where Slack is slow to list the
 * share (the card goes without its link; Delete waits for Slack rather than leave the message behind), and
 * a delivery recorded before results were one message (its details follow as a message of their own).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackContextDeps } from '../../../src/bots/slack/context.ts';
import { createSlackContext } from '../../../src/bots/slack/context.ts';
import { slackDelivery } from '../../../src/bots/slack/delivery.ts';
import type { CommandContext, ResultPost } from '../../../src/commands/context.ts';
import { makePng } from '../../fakes/images.ts';
import type { FakeSlack } from '../../fakes/slack-server.ts';
import { CHANNEL, slackWebClient, startSlackContextDeps, USER } from '../../support/slack.ts';

const actor = { id: USER, name: 'ana', isAdmin: false };
const png = makePng(8, 8);

const post = (): ResultPost => ({
  jobId: 'job-1',
  images: [{ name: 'flux-42.png', data: png, contentType: 'image/png' }],
  fields: [
    { label: 'Prompt', value: 'a red fox', key: 'prompt' },
    { label: 'Cost', value: '$0.045', key: 'cost' },
  ],
  notes: [],
  buttons: [{ action: 'delete', jobId: 'job-1', label: 'Delete', style: 'danger' }],
});

let slack: FakeSlack;
let deps: SlackContextDeps;
let close: () => Promise<void>;
let cardTs: string;

beforeEach(async () => {
  ({ slack, deps, close } = await startSlackContextDeps());
  // Slack's pauses are not waited out here: one look, then one more.
  deps = { ...deps, shareLookupWaitsMs: [0] };
  const card = await slackWebClient(slack).chat.postMessage({ channel: CHANNEL, text: 'the card' });
  cardTs = card.ts as string;
});
afterEach(() => close());

const context = (result?: Record<string, unknown>): CommandContext =>
  createSlackContext(
    deps,
    {
      ...slackDelivery({ channelId: CHANNEL, userId: USER }, Date.now()),
      cardTs,
      ...(result ? { result } : {}),
    },
    actor,
  );
const inThread = () => [...slack.messages.values()].filter((m) => m.threadTs === cardTs && !m.deleted);

describe('a Slack result Slack is slow to list', () => {
  it('goes out as one message without the card’s link, and Delete waits for Slack instead of orphaning it', async () => {
    slack.shareLag = 1_000;
    const ctx = context();
    const posted = await ctx.postResult(post(), 'a red fox');
    expect(posted.link).toBeUndefined();
    expect(posted.imageUrls).toEqual([`slack-file:${[...slack.uploads.keys()][0]}`]);
    const [message] = inThread();
    expect(inThread()).toHaveLength(1);
    expect(message?.files).toEqual([...slack.uploads.keys()]);
    expect(ctx.delivery().results).toEqual([{ fileIds: [...slack.uploads.keys()] }]);

    // Still not listed: nothing is deleted, and the member hears why.
    expect((await ctx.removeResult()).failures).toEqual([{ part: 'result', unlisted: true }]);
    expect(message?.deleted).toBe(false);
    expect([...slack.uploads.values()].some((u) => u.deleted)).toBe(false);

    // Listed now: the message and its file go, found through files.info.
    for (const u of slack.uploads.values()) if (u.share) u.share.unlisted = 0;
    expect((await ctx.removeResult()).failures).toEqual([]);
    expect(message?.deleted).toBe(true);
    expect([...slack.uploads.values()].every((u) => u.deleted)).toBe(true);
    expect(ctx.delivery().results).toEqual([]);
  });
});

describe('a Slack delivery recorded before results were one message', () => {
  it('posts the details of images already shared alone as their own message, once', async () => {
    const shared = slack.addFile('flux-42.png', png);
    const ctx = context({ fileIds: [shared.id], shareSent: true, files: [{ id: shared.id }] });
    const posted = await ctx.postResult(post(), 'a red fox');
    expect(slack.calls.filter((c) => c.method === 'files.completeUploadExternal')).toHaveLength(0);
    const [details] = inThread();
    expect(inThread()).toHaveLength(1);
    expect(details?.metadata).toEqual({
      event_type: 'flux_result',
      event_payload: { job_id: 'job-1', step: 'details' },
    });
    expect(posted.link?.url).toContain(`p${details?.ts.replace('.', '')}`);
    expect(ctx.delivery().results).toEqual([{ ts: details?.ts, fileIds: [shared.id] }]);
  });

  it('finds details Slack accepted before the store recorded them, by their metadata', async () => {
    const shared = slack.addFile('flux-42.png', png);
    const first = context({ fileIds: [shared.id], shareSent: true, files: [{ id: shared.id }] });
    slack.faults.push({ method: 'chat.postMessage', count: 1, lose: true });
    await expect(first.postResult(post(), 'a red fox')).rejects.toThrow();
    // As after a restart: the record says the post was sent, and its answer never came.
    const again = context(first.delivery().result as Record<string, unknown>);
    await again.postResult(post(), 'a red fox');
    expect(inThread()).toHaveLength(1);
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && c.params.thread_ts)).toHaveLength(1);
    expect(
      String(slack.calls.find((c) => c.method === 'conversations.replies')?.params.include_all_metadata),
    ).toBe('true');
  });
});
