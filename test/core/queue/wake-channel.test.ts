/** Webhook wakes across processes: published where the call landed, heard by every process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWakeChannel, type WakeChannel } from '../../../src/core/queue/wake-channel.ts';
import { until } from '../../support/until.ts';
import { openTestRedis, type TestRedis } from './redis-db.ts';

const redis = await openTestRedis();

describe.skipIf(!redis)('wake channel', () => {
  let test: TestRedis;
  const open: WakeChannel[] = [];
  beforeAll(() => {
    test = redis as TestRedis;
  });
  afterAll(async () => {
    for (const c of open) await c.close();
    await test.close();
  });

  it('carries a task id published in one process to the listeners of every other', async () => {
    const channel = `wakes-${Math.random()}`;
    const fail = (err: unknown) => {
      throw err;
    };
    const here = await createWakeChannel(test.connection, channel, fail);
    const there = await createWakeChannel(test.connection, channel, fail);
    const elsewhere = await createWakeChannel(test.connection, `${channel}-other`, fail);
    open.push(here, there, elsewhere);
    const heard: string[] = [];
    const unrelated: string[] = [];
    there.listen((id) => heard.push(id));
    elsewhere.listen((id) => unrelated.push(id));
    here.publish('bfl-task-1');
    here.publish('bfl-task-2');
    await until(() => heard.length === 2, 5_000, 'both wakes heard');
    expect(heard).toEqual(['bfl-task-1', 'bfl-task-2']);
    expect(unrelated).toEqual([]);
  });
});
