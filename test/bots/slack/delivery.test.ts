import { describe, expect, it } from 'vitest';
import { DeliveryRecordError } from '../../../src/bots/delivery-record.ts';
import { createSlackContext, createSlackFactory } from '../../../src/bots/slack/context.ts';
import { parseSlackDelivery, slackDelivery } from '../../../src/bots/slack/delivery.ts';
import { FluxError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/logger.ts';

const actor = { id: 'U100', name: 'ana', isAdmin: false };
// restore() builds no client call: an unused client is enough to see what it accepts.
const factory = createSlackFactory({
  client: {} as never,
  api: {} as never,
  files: {} as never,
  dispatcher: {} as never,
  logger: silentLogger(),
});

describe('the Slack delivery record', () => {
  it('restores what a context stored, with the use case’s own keys left to the store', () => {
    const where = {
      teamId: 'T1',
      channelId: 'C100',
      userId: 'U100',
      responseUrl: 'https://x/r',
      threadTs: '1.2',
    };
    const stored = {
      ...slackDelivery(where, 1_000),
      cardTs: '3.4',
      results: [{ ts: '5.6', fileIds: ['F1'] }],
      result: {
        fileIds: ['F1'],
        shareSent: true,
        files: [{ id: 'F1' }],
        detailsSent: true,
        detailsTs: '5.6',
      },
      cardShown: true,
    };
    const ctx = factory.restore(stored, actor);
    expect(ctx.channelId).toBe('C100');
    expect(ctx.workspaceId).toBe('T1');
    const { cardShown: _, ...own } = stored;
    expect(ctx.delivery()).toEqual(own);
    expect(parseSlackDelivery(stored)).toEqual(own);
  });

  it('refuses a record that is not one, with a typed error naming the fields and not their values', () => {
    const secretUrl = 'https://hooks.slack.com/commands/T1/secret-token';
    const bad = { channelId: 42, responseUrl: secretUrl, results: [{ fileIds: 'F1' }] };
    let err: unknown;
    try {
      factory.restore(bad, actor);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeliveryRecordError);
    expect(err).toBeInstanceOf(FluxError);
    const e = err as DeliveryRecordError;
    expect(e.code).toBe('UNDELIVERABLE');
    expect(e.paths.sort()).toEqual(['channelId', 'results.0.fileIds', 'userId']);
    expect(e.message).not.toContain('secret-token');
    expect(() => parseSlackDelivery({ channelId: 'C1', userId: '' })).toThrow(DeliveryRecordError);
  });

  it('is what a live context hands the store', () => {
    const ctx = createSlackContext({} as never, slackDelivery({ channelId: 'C1', userId: 'U1' }, 0), actor);
    expect(parseSlackDelivery(ctx.delivery())).toEqual({ channelId: 'C1', userId: 'U1' });
  });
});
