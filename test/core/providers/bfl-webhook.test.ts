/**
 * BFL webhooks end to end: the real provider submits with a webhook to the loopback BFL, which calls
 * our real HTTP route when the task is done; the route wakes the real jobs service's poller. Polls are
 * set far out (a one-minute prior), so a task that completes quickly was found through its webhook.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountBflWebhook } from '../../../src/bfl-webhook.ts';
import { toAsyncStore } from '../../../src/core/store/sqlite-async.ts';
import { createHttpServer } from '../../../src/http-server.ts';
import { type FakeBfl, startFakeBfl } from '../../fakes/bfl-server.ts';
import { buildCore, origin, request } from '../../support/core.ts';
import { captureLogs } from '../../support/logs.ts';
import { until } from '../../support/until.ts';

const logs = captureLogs();
const server = createHttpServer(logs.logger);
const woken: string[] = [];
let bfl: FakeBfl;
let base: string;
let core: ReturnType<typeof buildCore>;
const ended = (jobId: string) =>
  core.events.find((e) => e.job.id === jobId && (e.type === 'ready' || e.type === 'failed'));

beforeAll(async () => {
  bfl = await startFakeBfl({ generationMs: 200 });
  base = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  core = buildCore(
    { kind: 'bfl', url: bfl.url, webhookUrl: base },
    {
      logger: logs.logger,
      maxQueuedPerUser: 100,
      // Fallback polls only after 4 minutes: anything sooner came through the webhook.
      typicalMs: 60_000,
    },
  );
  // The real jobs service, watched: which tasks the route woke.
  mountBflWebhook(server, {
    store: toAsyncStore(core.store),
    logger: logs.logger,
    jobs: {
      wake: (id) => {
        woken.push(id);
        return core.jobs.wake(id);
      },
    },
  });
  await core.jobs.start();
});

afterAll(async () => {
  await core.close();
  await server.close();
  await bfl.close();
  // The secrets never reach a log line.
  for (const task of bfl.tasks.values())
    if (task.webhook) expect(logs.text()).not.toContain(task.webhook.secret);
});

const create = async (prompt: string) =>
  (await core.jobs.create({ request: request({ prompt, model: 'pro' }), origin: origin('webhook-user') })).id;
const fakeTask = (jobId: string) => {
  const id = core.store.getTasks(jobId)[0]?.submitted?.taskId;
  return id ? bfl.tasks.get(id) : undefined;
};
const post = (body: unknown, secret?: string) =>
  fetch(`${base}/bfl/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(secret === undefined ? {} : { 'x-webhook-secret': secret }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  }).then((r) => r.status);

describe('BFL webhooks', () => {
  it('submits each task with our webhook URL and its own random secret, and no polling_url comes back', async () => {
    const a = await create('first');
    const b = await create('second');
    await until(() => ended(a) && ended(b), 20_000, 'both jobs');
    const [ta, tb] = [fakeTask(a), fakeTask(b)];
    expect(ta?.webhook?.url).toBe(`${base}/bfl/webhook`);
    expect(ta?.webhook?.secret).toMatch(/^[\w-]{32}$/);
    expect(ta?.webhook?.secret).not.toBe(tb?.webhook?.secret);
    // Stored with the task, so a webhook after a restart can still be checked.
    expect(core.store.getTasks(a)[0]?.submitted?.webhookSecret).toBe(ta?.webhook?.secret);
    // The fallback polls go to the API host's get_result, since the submit gave no polling_url.
    expect(bfl.requestsTo('api').some((r) => r.path === `/v1/get_result?id=${ta?.id}`)).toBe(true);
  });

  it('a valid webhook makes the poller read the task at once: one poll, the result delivered', async () => {
    const job = await create('[gen-ms=150] valid');
    await until(() => ended(job), 20_000, 'the job to end');
    const task = fakeTask(job);
    expect(ended(job)?.type).toBe('ready');
    expect(task?.polls).toBe(1);
    expect(bfl.webhookCalls.find((c) => c.taskId === task?.id)?.answer).toBe(200);
    expect(woken).toContain(task?.id);
  });

  it('a forged webhook (wrong or missing secret) is refused and wakes nothing; the task’s own one wakes it', async () => {
    // A task that stays in progress, so its own webhook cannot come during the test.
    const job = await create('[gen-ms=600000] forged');
    // Known to the bot (its submit answer stored), not merely to the fake: before that, any call is a 404.
    await until(() => core.store.getTasks(job)[0]?.state === 'submitted', 20_000, 'the task to be submitted');
    const task = fakeTask(job);
    const secret = task?.webhook?.secret as string;
    // The route calls wake() before it answers, so these are settled when the answers arrive.
    // One character off (the secret is random: one ending in x gets y).
    const wrong = `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`;
    expect(await post({ id: task?.id, status: 'Ready' }, wrong)).toBe(401);
    expect(await post({ task_id: task?.id, status: 'Ready' }, 'short')).toBe(401);
    expect(await post({ id: task?.id, status: 'Ready' })).toBe(401);
    // Another task's secret does not open this one.
    const other = [...bfl.tasks.values()].find((t) => t.id !== task?.id && t.webhook)?.webhook?.secret;
    expect(await post({ id: task?.id, status: 'Ready' }, other)).toBe(401);
    expect(woken).not.toContain(task?.id);
    expect(await post({ id: task?.id, status: 'Ready' }, secret)).toBe(200);
    expect(woken).toContain(task?.id);
    // The body said Ready; the poll it caused reads the task, which is still in progress.
    await until(() => (task?.polls ?? 0) >= 1, 20_000, 'the woken poll');
    expect(ended(job)).toBeUndefined();
  });

  it('a webhook for an unknown task, or a malformed or oversized one, changes nothing', async () => {
    const before = woken.length;
    expect(await post({ id: 'no-such-task', status: 'Ready' }, 'whatever-secret')).toBe(404);
    expect(await post('not json', 'whatever-secret')).toBe(400);
    expect(await post({ status: 'Ready' }, 'whatever-secret')).toBe(400);
    expect(await post({ id: 'x', pad: 'y'.repeat(100_000) }, 'whatever-secret')).toBe(413);
    expect(woken.length).toBe(before);
  });

  it('a webhook for a task already done is accepted and changes nothing', async () => {
    const job = await create('done already');
    await until(() => ended(job), 20_000, 'the job to end');
    const task = fakeTask(job);
    const polls = task?.polls;
    expect(await post({ id: task?.id, status: 'Ready' }, task?.webhook?.secret)).toBe(200);
    expect(core.jobs.wake(task?.id as string)).toBe(false);
    expect(task?.polls).toBe(polls);
  });

  it('a lost webhook only delays: the slow fallback poll finds the task', async () => {
    bfl.configure({ dropWebhooks: 1 });
    // A model never seen before starts from a short prior, so its fallback poll comes within a second.
    // On the same database file, so the route (reading the first core's store) knows its task.
    const quick = buildCore(
      { kind: 'bfl', url: bfl.url, webhookUrl: base },
      {
        dbPath: core.dbPath,
        logger: logs.logger,
        maxQueuedPerUser: 10,
        typicalMs: 100,
        platforms: ['slack'],
      },
    );
    await quick.jobs.start();
    const job = (
      await quick.jobs.create({
        request: request({ prompt: '[gen-ms=50] lost', model: 'pro' }),
        origin: origin('lost', 'slack'),
      })
    ).id;
    const end = await until(
      () => quick.events.find((e) => e.job.id === job && (e.type === 'ready' || e.type === 'failed')),
      10_000,
      'the job to end by polling',
    );
    const task = fakeTask(job);
    expect(end.type).toBe('ready');
    expect(bfl.webhookCalls.find((c) => c.taskId === task?.id)?.lost).toBe(true);
    expect(woken).not.toContain(task?.id);
    expect(task?.polls).toBeGreaterThanOrEqual(1);
    await quick.close();
  });
});
