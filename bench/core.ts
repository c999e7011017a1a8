/**
 * Core benchmarks against the loopback fake BFL (issue: generation core). Each returns its figures and
 * the target it is judged by; run.ts prints them.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { createCatalog } from '../src/core/models.ts';
import { validateRequest } from '../src/core/request.ts';
import { type FakeBfl, startFakeBfl } from '../test/fakes/bfl-server.ts';
import { buildCore, origin, request, tempDb } from '../test/support/core.ts';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
}

const catalog = createCatalog();

/** The real core with the catalog's typical times (no test shortcut), as production runs it. */
function productionCore(bfl: FakeBfl, dbPath: string, maxQueuedPerUser: number) {
  const core = buildCore(bfl, { dbPath, maxQueuedPerUser, productionLatency: true });
  return {
    jobs: core.jobs,
    wait: (id: string) => core.done(id).then(() => undefined),
    async close() {
      await core.close();
      rmSync(dirname(dbPath), { recursive: true, force: true });
    },
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** 500 jobs from 20 users, 24 slots, 2 s generation: makespan vs ceil(500/24) × 2 s; ready→bytes latency. */
export async function slotUseAndLatency(): Promise<Figure[]> {
  const bfl = await startFakeBfl({ generationMs: 2_000, maxActive: 24 });
  const core = productionCore(bfl, tempDb(), 100);
  await core.jobs.start();
  const t0 = Date.now();
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 500; i++) {
    const job = await core.jobs.create({
      request: validateRequest({ prompt: `slot ${i}`, model: 'klein-9b', seed: i }, catalog),
      origin: origin(`user${i % 20}`),
    });
    waits.push(core.wait(job.id));
  }
  await Promise.all(waits);
  const makespan = Date.now() - t0;
  const ideal = Math.ceil(500 / 24) * 2_000;
  const tasks = [...bfl.tasks.values()];
  const lag = tasks.map((t) => (t.downloadedAt ?? Number.NaN) - t.readyAt).sort((a, b) => a - b);
  const pollsPer250 =
    tasks.reduce(
      (s, t) => s + (t.polls * 250) / Math.max(1, (t.downloadedAt ?? t.readyAt) - t.submittedAt),
      0,
    ) / tasks.length;
  await core.close();
  await bfl.close();
  return [
    {
      name: 'slot use: makespan / ideal (500 jobs, 20 users, 24 slots, 2 s)',
      value: Number((makespan / ideal).toFixed(3)),
      unit: `× (${(makespan / 1000).toFixed(2)} s vs ${ideal / 1000} s)`,
      target: '≤ 1.05',
      ok: makespan / ideal <= 1.05,
    },
    {
      name: 'slot use: 429s caused by our pacing',
      value: bfl.counts.rateLimited,
      unit: '',
      target: '0',
      ok: bfl.counts.rateLimited === 0,
    },
    {
      name: 'added latency ready → bytes, p50',
      value: pct(lag, 50),
      unit: 'ms',
      target: '≤ 100',
      ok: pct(lag, 50) <= 100,
    },
    {
      name: 'added latency ready → bytes, p99',
      value: pct(lag, 99),
      unit: 'ms',
      target: '≤ 300',
      ok: pct(lag, 99) <= 300,
    },
    {
      name: 'polls per task per 250 ms (average)',
      value: Number(pollsPer250.toFixed(3)),
      unit: '',
      target: '≤ 1',
      ok: pollsPer250 <= 1,
    },
  ];
}

/** Zero generation time: jobs per second through validate → store → schedule → submit → poll → download. */
export async function throughput(): Promise<Figure[]> {
  const bfl = await startFakeBfl({ generationMs: 0, maxActive: 1_000 });
  const core = productionCore(bfl, tempDb(), 10_000);
  await core.jobs.start();
  // Warm up (JIT, connections, the latency model learning that tasks are instant).
  await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const job = await core.jobs.create({
        request: validateRequest({ prompt: `w${i}`, model: 'klein-4b' }, catalog),
        origin: origin(`w${i % 50}`),
      });
      await core.wait(job.id);
    }),
  );
  const n = 3_000;
  const t0 = performance.now();
  const waits: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const req = validateRequest(
      { prompt: `fast ${i}`, model: 'klein-4b', size: '1024x1024', seed: String(i) },
      catalog,
    );
    waits.push(core.wait((await core.jobs.create({ request: req, origin: origin(`u${i % 50}`) })).id));
  }
  await Promise.all(waits);
  const perSecond = n / ((performance.now() - t0) / 1000);
  await core.close();
  await bfl.close();
  return [
    {
      name: 'core throughput, zero generation time',
      value: Math.round(perSecond),
      unit: 'jobs/s',
      target: '≥ 300',
      ok: perSecond >= 300,
    },
  ];
}

/** 5,000 queued jobs (slots all busy): resident memory they hold. */
export async function memory(): Promise<Figure[]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const bfl = await startFakeBfl({ generationMs: 600_000, maxActive: 24 });
  const core = buildCore(bfl, { maxQueuedPerUser: 10_000 });
  await core.jobs.start();
  gc?.();
  const before = process.memoryUsage().rss;
  // One after another, as commands arrive: each create is finished (stored, queued) before the next.
  for (let i = 0; i < 5_000; i++) {
    await core.jobs.create({
      request: request({ prompt: `queued job number ${i} with a prompt of ordinary length`, model: 'pro' }),
      origin: origin(`m${i % 100}`),
    });
  }
  await new Promise((r) => setTimeout(r, 500));
  gc?.();
  const after = process.memoryUsage().rss;
  const total = after / 1024 / 1024;
  const growth = (after - before) / 1024 / 1024;
  await core.close();
  await bfl.close();
  return [
    {
      name: 'RSS with 5,000 queued jobs (whole process)',
      value: Math.round(total),
      unit: 'MB',
      target: '< 150',
      ok: total < 150,
    },
    {
      name: 'RSS growth for 5,000 queued jobs',
      value: Math.round(growth),
      unit: 'MB',
      target: '(information)',
      ok: true,
    },
  ];
}
