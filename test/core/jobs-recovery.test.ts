/**
 * Stopping, restarting and delivering late, over a fake Provider: a restart waits for what was submitted
 * (never submits it again), flags what was cut off mid-submit, and delivers what was kept.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, estimateImage } from '../../src/core/pricing.ts';
import { createSqliteStore } from '../../src/core/store/sqlite.ts';
import { origin, request, tempDb } from '../support/core.ts';
import { useHarnesses } from '../support/jobs-harness.ts';
import { captureLogs } from '../support/logs.ts';
import { until } from '../support/until.ts';

const harness = useHarnesses();
const klein = (over = {}) => request({ prompt: 'a fox', model: 'klein-4b', ...over });

/** Writes a job straight into a store file, as a process that died would have left it. */
function leftBehind(
  dbPath: string,
  tasks: Array<{ state: 'queued' | 'submitting' | 'submitted' | 'ready'; taskId?: string }>,
) {
  const store = createSqliteStore(dbPath);
  const req = klein({ count: tasks.length, seed: 40 });
  store.insertJob(
    {
      id: 'left',
      state: 'running',
      request: req,
      origin: origin(),
      delivery: {},
      estimateMicros: 0,
      createdAt: 1,
    },
    tasks.map((_, i) => ({ jobId: 'left', index: i, seed: 40 + i, state: 'queued' })),
  );
  tasks.forEach((t, i) => {
    if (t.state === 'submitted')
      store.updateTask('left', i, {
        state: 'submitted',
        submitted: { taskId: t.taskId as string, pollingUrl: `https://p/${t.taskId}` },
      });
    else if (t.state === 'ready')
      store.updateTask('left', i, {
        state: 'ready',
        costMicros: 1_000,
        image: { data: Buffer.from('img'), contentType: 'image/png' },
      });
    else store.updateTask('left', i, { state: t.state });
  });
  store.close();
}

describe('restarts and late delivery (fake provider)', () => {
  it('stops without losing a submitted task, and the next start waits for it instead of resubmitting', async () => {
    const first = harness();
    await first.jobs.start();
    const job = await first.jobs.create({ request: klein({ count: 2 }), origin: origin() });
    await first.waitingFor(2);
    await first.jobs.stop();
    expect(first.provider.waiting()).toEqual([]);
    expect(first.store.getTasks(job.id).map((t) => t.state)).toEqual(['submitted', 'submitted']);

    const second = harness({ dbPath: first.dbPath });
    await second.jobs.start();
    await second.waitingFor(2);
    expect(second.provider.submits).toHaveLength(0);
    expect(second.provider.waitCalls.map((w) => w.task.taskId).sort()).toEqual(['t0', 't1']);
    expect(second.provider.waitCalls[0]?.task.pollingUrl).toMatch(/^https:\/\/poll\.example\/t[01]$/);
    second.provider.finish('t0');
    second.provider.finish('t1');
    const end = await second.ended(job.id);
    expect(end.type).toBe('ready');
    await until(async () => (await second.jobs.get(job.id))?.state === 'delivered', 10_000, 'delivered');
  });

  it('flags an image cut off mid-submit, tells the requester at once, and still delivers the rest', async () => {
    const dbPath = tempDb();
    leftBehind(dbPath, [{ state: 'submitting' }, { state: 'submitted', taskId: 'x1' }]);
    const c = harness({ dbPath });
    await c.jobs.start();
    await c.waitingFor(1);
    expect(c.eventsOf('left')).toEqual(['needs_review']);
    expect(c.events[0]?.job.tasks[0]).toMatchObject({
      state: 'needs_review',
      error: { code: 'NEEDS_REVIEW', charge: 'unknown' },
      costEstimated: true,
    });
    c.provider.finish('x1', { costMicros: 45_000 });
    const end = await c.ended('left');
    expect(end.type).toBe('ready');
    if (end.type !== 'ready') return;
    expect(end.images.map((i) => i.seed)).toEqual([41]);
    expect(end.job.costMicros).toBe(estimateImage(klein(), DEFAULT_PRICES) + 45_000);
    expect(c.provider.submits).toHaveLength(0);
  });

  it('ends a job whose only image was cut off mid-submit as needs_review, with one event', async () => {
    const dbPath = tempDb();
    leftBehind(dbPath, [{ state: 'submitting' }]);
    const c = harness({ dbPath });
    await c.jobs.start();
    expect((await c.jobs.get('left'))?.state).toBe('needs_review');
    expect(c.eventsOf('left')).toEqual(['needs_review']);
    expect(c.provider.submits).toHaveLength(0);
  });

  it('runs images still queued and delivers images that were ready, after a restart', async () => {
    const dbPath = tempDb();
    leftBehind(dbPath, [{ state: 'ready' }, { state: 'queued' }]);
    const c = harness({ dbPath });
    await c.jobs.start();
    await c.waitingFor(1);
    expect(c.provider.submits.map((s) => s.seed)).toEqual([41]);
    c.provider.finish('t0');
    const end = await c.ended('left');
    expect(end.type === 'ready' && end.images.map((i) => i.seed)).toEqual([40, 41]);
  });

  it('keeps a finished job for a platform with no sink, and delivers it when one attaches', async () => {
    const c = harness();
    await c.jobs.start();
    const job = await c.jobs.create({ request: klein(), origin: origin('u', 'slack') });
    await c.waitingFor(1);
    c.provider.finish('t0');
    await until(async () => (await c.jobs.get(job.id))?.state === 'ready', 10_000, 'ready');
    expect(c.store.getTasks(job.id, true)[0]?.image).toBeDefined();
    c.jobs.attach('slack', c.sink);
    await until(
      async () => (await c.jobs.get(job.id))?.state === 'delivered',
      10_000,
      'delivered once a sink is there',
    );
    expect(c.eventsOf(job.id)).toEqual(['ready']);
    expect(c.store.getTasks(job.id, true)[0]?.image).toBeUndefined();
  });

  it('keeps a job whose delivery failed ready, with its image, and delivers it after a restart', async () => {
    const first = harness({
      onEvent: (e) => {
        if (e.type === 'ready') throw new Error('platform down');
      },
    });
    await first.jobs.start();
    const job = await first.jobs.create({ request: klein(), origin: origin() });
    await first.waitingFor(1);
    first.provider.finish('t0');
    await until(() => first.eventsOf(job.id).includes('ready'), 10_000, 'a delivery attempt');
    await first.jobs.stop();
    expect((await first.jobs.get(job.id))?.state).toBe('ready');
    expect(first.store.getTasks(job.id, true)[0]?.image).toBeDefined();

    const second = harness({ dbPath: first.dbPath });
    await second.jobs.start();
    // Resumed deliveries run in the background: start() does not wait for them.
    await until(
      async () => (await second.jobs.get(job.id))?.state === 'delivered',
      10_000,
      'delivered after the restart',
    );
    expect(second.eventsOf(job.id)).toEqual(['ready']);
  });

  it('lets a delivery under way finish on stop, so it counts as delivered and is not posted again', async () => {
    let release: () => void = () => undefined;
    const uploading = new Promise<void>((r) => {
      release = r;
    });
    const c = harness({ onEvent: (e) => (e.type === 'ready' ? uploading : undefined) });
    await c.jobs.start();
    const job = await c.jobs.create({ request: klein(), origin: origin() });
    await c.waitingFor(1);
    c.provider.finish('t0');
    await until(() => c.eventsOf(job.id).includes('ready'), 10_000, 'the upload to begin');
    let stopped = false;
    const stopping = c.jobs.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await c.jobs.get(job.id))?.state).toBe('delivered');
  });

  it('logs each job with its id, platform and user, and never the reference bytes', async () => {
    const logs = captureLogs();
    const c = harness({ logger: logs.logger });
    await c.jobs.start();
    const secret = Buffer.from('REFERENCE-BYTES-'.repeat(8));
    const req = {
      ...klein(),
      references: [{ kind: 'bytes' as const, data: secret, contentType: 'image/png' }],
    };
    const job = await c.jobs.create({ request: req, origin: origin('member-7', 'cli') });
    await c.waitingFor(1);
    c.provider.finish('t0');
    await until(async () => (await c.jobs.get(job.id))?.state === 'delivered', 10_000, 'delivered');
    const records = logs.lines();
    const submitted = records.find((r) => r.msg === 'submitted');
    expect(submitted).toMatchObject({ jobId: job.id, platform: 'cli', user: 'member-7', task: 0 });
    expect(records.find((r) => r.msg === 'job delivered')).toMatchObject({ jobId: job.id, user: 'member-7' });
    const all = logs.text();
    expect(all).not.toContain(secret.toString('base64'));
    expect(all).not.toContain('REFERENCE-BYTES');
  });
});
