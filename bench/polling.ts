/**
 * Ready → bytes over wrong priors (issue 9): bursts of 100 pro tasks through 24 slots, generation times
 * uniform in [T, 2T] with T from 1/8 to 4× the catalog's typical time, the poller starting from the
 * catalog's guess. Once polling only, once with webhooks (the real route on a loopback server).
 *
 * Time is scaled (`--scale=N`, default 4) so the table runs in minutes: the fake's generation times and
 * every millisecond of the poll policy are divided by N, and the polling figures multiplied back, so
 * they read in the model's time. Loopback and event-loop overheads are multiplied by N as well, so the
 * polling figures are pessimistic. The webhook path has no scaled timer in it: its latencies are real.
 * `--scale=1` runs at real speed (about 15 minutes); `--ratios=1/8,1/4` runs only those rows.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mountBflWebhook } from '../src/bfl-webhook.ts';
import { createJobs } from '../src/core/jobs.ts';
import { silentLogger } from '../src/core/logger.ts';
import { DEFAULT_PRICES } from '../src/core/pricing.ts';
import { createBflProvider } from '../src/core/providers/bfl.ts';
import { createHttp } from '../src/core/providers/http.ts';
import { DEFAULT_POLL_POLICY, type PollPolicy } from '../src/core/providers/poll-policy.ts';
import { createSqliteStore } from '../src/core/store/sqlite.ts';
import { toAsyncStore } from '../src/core/store/sqlite-async.ts';
import { createHttpServer } from '../src/http-server.ts';
import { idealMakespan, randoms, simulateBurst } from '../test/core/providers/poll-sim.ts';
import { startFakeBfl } from '../test/fakes/bfl-server.ts';
import { catalog, origin, request, tempDb } from '../test/support/core.ts';
import type { Figure } from './core.ts';

const RATIOS: Array<[string, number]> = [
  ['1/8', 1 / 8],
  ['1/4', 1 / 4],
  ['1/2', 1 / 2],
  ['1', 1],
  ['2', 2],
  ['4', 4],
];
const N = 100;
const SLOTS = 24;

/** `--ratios=1/8,1/4` runs only those rows. */
function rowsArg(): Array<[string, number]> {
  const arg = process.argv.find((a) => a.startsWith('--ratios='));
  if (!arg) return RATIOS;
  const wanted = arg.slice('--ratios='.length).split(',');
  return RATIOS.filter(([name]) => wanted.includes(name));
}

function scaleArg(): number {
  const arg = process.argv.find((a) => a.startsWith('--scale='));
  const n = arg ? Number(arg.slice('--scale='.length)) : 4;
  return Number.isFinite(n) && n >= 1 ? n : 4;
}

/** The policy with every duration divided by `scale` (shares and counts stay). */
function scaled(scale: number): PollPolicy {
  const p = DEFAULT_POLL_POLICY;
  return {
    ...p,
    budgetMs: p.budgetMs / scale,
    floorMs: p.floorMs / scale,
    insureFrom: p.insureFrom / scale,
    denseMs: p.denseMs / scale,
    maxMs: p.maxMs / scale,
    maxFallbackMs: p.maxFallbackMs / scale,
  };
}

interface Row {
  ratio: string;
  makespan: number;
  p50: number;
  p99: number;
  pollsPer250: number;
  maxPolls: number;
  seconds: number;
  /** Event-loop delay p50 during the run (ms, real): how starved of CPU this process was. */
  loopLag?: number;
}

async function burst(ratio: number, webhook: boolean, scale: number): Promise<Omit<Row, 'ratio'>> {
  const typical = catalog.pro.typicalMs / scale;
  const T = typical * ratio;
  const bfl = await startFakeBfl({ maxActive: SLOTS });
  const dbPath = tempDb();
  const store = toAsyncStore(createSqliteStore(dbPath));
  const http = createHttp();
  const logger = silentLogger();
  const server = createHttpServer(logger);
  const port = webhook ? await server.listen(0, '127.0.0.1') : 0;
  const provider = createBflProvider({
    apiKey: 'bfl_test_key_0123456789',
    baseUrl: bfl.url,
    catalog,
    dispatcher: http.dispatcher,
    logger,
    pollPolicy: scaled(scale),
    ...(webhook ? { webhookUrl: `http://127.0.0.1:${port}` } : {}),
  });
  const jobs = createJobs({
    store,
    provider,
    catalog,
    prices: DEFAULT_PRICES,
    maxActive: SLOTS,
    maxQueuedPerUser: 1_000,
    logger,
    typicalMs: (m) => catalog[m].typicalMs / scale,
  });
  if (webhook) mountBflWebhook(server, { store, jobs, logger });
  const ended = new Map<string, () => void>();
  jobs.attach('cli', {
    async handle(event) {
      if (['ready', 'failed', 'needs_review'].includes(event.type)) ended.get(event.job.id)?.();
    },
  });
  await jobs.start();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const rnd = randoms(7);
  const t0 = Date.now();
  const waits: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    const ms = Math.round(T + rnd() * T);
    const { id } = await jobs.create({
      request: request({ prompt: `[gen-ms=${ms}] burst ${i}`, model: 'pro' }),
      origin: origin(`u${i % 20}`),
    });
    waits.push(new Promise((resolve) => ended.set(id, resolve)));
  }
  await Promise.all(waits);
  const wall = Date.now() - t0;
  loop.disable();
  const tasks = [...bfl.tasks.values()].sort((a, b) => a.submittedAt - b.submittedAt);
  // From the first submit to the last image in hand: taking in the 100 requests is not a slot matter.
  const makespan =
    Math.max(...tasks.map((t) => t.downloadedAt ?? Number.POSITIVE_INFINITY)) - (tasks[0]?.submittedAt ?? t0);
  const ideal = idealMakespan(
    tasks.map((t) => t.readyAt - t.submittedAt),
    SLOTS,
  );
  // The webhook path runs in real time; polling figures are read back in the model's time.
  const lagScale = webhook ? 1 : scale;
  const lags = tasks
    .map((t) => ((t.downloadedAt ?? Number.NaN) - t.readyAt) * lagScale)
    .sort((a, b) => a - b);
  const pct = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] as number;
  const pollsPer250 =
    tasks.reduce(
      (s, t) => s + (t.polls * 250) / (Math.max(1, (t.downloadedAt ?? t.readyAt) - t.submittedAt) * scale),
      0,
    ) / tasks.length;
  await jobs.stop();
  await server.close();
  await http.close();
  await store.close();
  await bfl.close();
  rmSync(dirname(dbPath), { recursive: true, force: true });
  return {
    makespan: makespan / ideal,
    p50: pct(0.5),
    p99: pct(0.99),
    pollsPer250,
    maxPolls: Math.max(...tasks.map((t) => t.polls)),
    seconds: wall / 1000,
    loopLag: loop.percentile(50) / 1e6,
  };
}

function table(title: string, rows: Row[]): string {
  const head = `| T / typical | makespan / ideal | ready→bytes p50 | p99 | polls per task per 250 ms | max polls per task | run (s) | event-loop delay p50 |`;
  const sep = '|---|---|---|---|---|---|---|---|';
  const lines = rows.map(
    (r) =>
      `| ${r.ratio} | ${r.makespan.toFixed(3)} | ${Math.round(r.p50)} ms | ${Math.round(r.p99)} ms | ${r.pollsPer250.toFixed(3)} | ${r.maxPolls} | ${r.seconds.toFixed(1)} | ${r.loopLag === undefined ? '–' : `${r.loopLag.toFixed(1)} ms`} |`,
  );
  return [`\n${title}`, head, sep, ...lines, ''].join('\n');
}

export async function wrongPriors(): Promise<Figure[]> {
  const scale = scaleArg();
  const figures: Figure[] = [];
  // The schedule alone, on a simulated clock (no overheads, no noise): the same code, exact figures.
  const sim = (webhookMs?: number) =>
    RATIOS.map(([name, ratio]) => {
      const f = simulateBurst({
        typicalMs: catalog.pro.typicalMs,
        T: catalog.pro.typicalMs * ratio,
        seed: 7,
        ...(webhookMs === undefined ? {} : { webhookMs }),
      });
      return {
        ratio: name,
        makespan: f.makespanRatio,
        p50: f.p50,
        p99: f.p99,
        pollsPer250: f.pollsPer250,
        maxPolls: f.maxPolls,
        seconds: 0,
      };
    });
  console.log(table('Simulated clock, polling only (ready → the poll that finds it; real time 0)', sim()));
  console.log(table('Simulated clock, webhooks arriving 5 ms after ready', sim(5)));
  const polling: Row[] = [];
  const hooked: Row[] = [];
  const rows = rowsArg();
  for (const [name, ratio] of rows) polling.push({ ratio: name, ...(await burst(ratio, false, scale)) });
  for (const [name, ratio] of rows) hooked.push({ ratio: name, ...(await burst(ratio, true, scale)) });
  console.log(
    table(
      `Polling only — 100 pro tasks, 24 slots, generation uniform in [T, 2T], prior = catalog (8 s); time scale ${scale} (ms in model time)`,
      polling,
    ),
  );
  console.log(table(`With webhooks — same bursts; latencies in real ms`, hooked));
  const add = (name: string, value: number, unit: string, target: string, ok: boolean) =>
    figures.push({ name, value: Number(value.toFixed(3)), unit, target, ok });
  for (const r of polling) {
    add(`polling, T = ${r.ratio}× typical: makespan / ideal`, r.makespan, '×', '≤ 1.05', r.makespan <= 1.05);
    add(`polling, T = ${r.ratio}× typical: ready → bytes p50`, r.p50, 'ms', '≤ 100', r.p50 <= 100);
    add(`polling, T = ${r.ratio}× typical: ready → bytes p99`, r.p99, 'ms', '≤ 300', r.p99 <= 300);
    add(
      `polling, T = ${r.ratio}× typical: polls per task per 250 ms`,
      r.pollsPer250,
      '',
      '≤ 1',
      r.pollsPer250 <= 1,
    );
  }
  for (const r of hooked) {
    add(`webhooks, T = ${r.ratio}× typical: ready → bytes p50`, r.p50, 'ms', '≤ 50', r.p50 <= 50);
    add(`webhooks, T = ${r.ratio}× typical: ready → bytes p99`, r.p99, 'ms', '≤ 250', r.p99 <= 250);
    add(`webhooks, T = ${r.ratio}× typical: most polls of a task`, r.maxPolls, '', '≤ 3', r.maxPolls <= 3);
  }
  return figures;
}
