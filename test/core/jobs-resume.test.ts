import { describe, expect, it } from 'vitest';
import { type Core, tempDb } from '../support/core.ts';
import { runProcess } from '../support/main-process.ts';
import { until } from '../support/until.ts';
import { useCores } from '../support/use-cores.ts';

const fakes = useCores({ generationMs: 1_500, slowMs: 5_000 });
let core: Core;

/** Runs the child until it reports SUBMITTED, then kills it hard. Returns the job id. */
async function crashChild(dbPath: string, count: number, mode: 'polling' | 'mid-submit'): Promise<string> {
  const child = runProcess('test/support/crash-child.ts', process.cwd(), {}, [
    dbPath,
    fakes.bfl.url,
    String(count),
    mode,
  ]);
  await child.says('SUBMITTED');
  // "submitting" is stored just before the POST leaves: wait until the fake has it, then kill.
  await until(() => fakes.bfl.counts.submits >= count, 10_000, 'the submits to reach the fake');
  child.child.kill('SIGKILL');
  await child.exited;
  return /JOB (\S+)/.exec(child.stdout())?.[1] as string;
}

describe('a restart loses nothing that was paid for', () => {
  it('polls a task submitted before the crash again, delivers it, and never resubmits', async () => {
    const dbPath = tempDb();
    const jobId = await crashChild(dbPath, 2, 'polling');
    expect(fakes.bfl.counts.accepted).toBe(2);
    core = fakes.core({ dbPath });
    const end = core.done(jobId);
    await core.jobs.start();
    const event = await end;
    expect(event.type).toBe('ready');
    if (event.type === 'ready') expect(event.images.map((i) => i.seed)).toEqual([5, 6]);
    expect(fakes.bfl.counts.submits).toBe(2);
    expect(fakes.bfl.counts.accepted).toBe(2);
    // "ready" is told before the delivery is recorded: wait for the record, not for a fixed time.
    await until(async () => (await core?.jobs.get(jobId))?.state === 'delivered', 10_000, 'delivered');
    // Delivered images are not kept.
    expect(core.store.getTasks(jobId, true).every((t) => !t.image)).toBe(true);
  });

  it('flags a task cut off mid-submit for review instead of sending it again, and says it may be charged', async () => {
    const dbPath = tempDb();
    const jobId = await crashChild(dbPath, 1, 'mid-submit');
    core = fakes.core({ dbPath });
    const end = core.done(jobId);
    await core.jobs.start();
    const event = await end;
    expect(event.type).toBe('needs_review');
    const job = await core.jobs.get(jobId);
    expect(job?.state).toBe('needs_review');
    expect(job?.tasks[0]?.error).toMatchObject({ code: 'NEEDS_REVIEW', charge: 'unknown' });
    expect(job?.costMicros).toBe(15_000);
    expect(fakes.bfl.counts.submits).toBe(1);
  });

  it('runs jobs that were still queued, and delivers jobs that were ready but not delivered', async () => {
    const dbPath = tempDb();
    fakes.bfl.configure({ generationMs: 10 });
    const first = fakes.core({ dbPath, maxActive: 1 });
    // No sink for slack in this process: the finished job stays ready in the store.
    const { request, origin } = await import('../support/core.ts');
    const ready = await first.jobs.create({
      request: request({ prompt: 'ready', model: 'klein-4b' }),
      origin: origin('a', 'slack'),
    });
    await first.jobs.start();
    await until(async () => (await first.jobs.get(ready.id))?.state === 'ready', 10_000, 'ready');
    await first.close();

    // A queued job written by a process that died before running it.
    const { createSqliteStore } = await import('../../src/core/store/sqlite.ts');
    const raw = createSqliteStore(dbPath);
    const req = request({ prompt: 'queued', model: 'klein-4b' });
    raw.insertJob(
      {
        id: 'queued-job',
        state: 'queued',
        request: req,
        origin: origin('b'),
        delivery: {},
        estimateMicros: 15_000,
        createdAt: Date.now(),
      },
      [{ jobId: 'queued-job', index: 0, seed: req.seed, state: 'queued' }],
    );
    raw.close();

    core = fakes.core({ dbPath });
    const delivered: string[] = [];
    core.jobs.attach('slack', {
      async handle(e) {
        if (e.type === 'ready') delivered.push(e.job.id);
      },
    });
    const queuedDone = core.done('queued-job');
    await core.jobs.start();
    expect((await queuedDone).type).toBe('ready');
    // Resumed deliveries run in the background: start-up does not wait for them.
    await until(
      async () => (await core.jobs.get(ready.id))?.state === 'delivered',
      5_000,
      'the resumed delivery',
    );
    expect(delivered).toEqual([ready.id]);
    expect((await core.jobs.get(ready.id))?.state).toBe('delivered');
  });
});
