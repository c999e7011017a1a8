/**
 * What one run of the scale bench measured, and where its time went: the figures of a burst (makespan
 * against the ideal, 429s, most active, acks, jobs per second), the CPU each party used meanwhile (the
 * bots, Postgres's backends for the bench's database, Redis, the fakes, the client), the provider and
 * Slack calls per job, and — in a `--count` run — Postgres and Redis round trips per job.
 */

import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { idealMakespan } from '../test/core/providers/poll-sim.ts';
import { ADMIN_URL } from '../test/core/store/postgres-db.ts';
import { percentile } from './bots.ts';
import { bullmqScripts, nameScripts } from './bullmq-scripts.ts';
import { machineBusyMs, runQueueWaitMs, watchCpu } from './cpu-use.ts';
import type { BenchRedis, BotProcess } from './scale-procs.ts';
import type { Rig, RunRecord } from './scale-rig.ts';
import type { CountingHop, WireCounts } from './wire-count.ts';

export interface Observed {
  wallMs: number;
  cpu: Map<string, number>;
  pg?: WireCounts;
  redis?: WireCounts;
  logLines: number;
  /** The bots' threads: ms runnable but waiting for a CPU (summed over the bots). */
  botsQueuedMs: number;
  /** The machine's 1-minute load average at the end. */
  load: string;
}

export interface Watch {
  start(bots: BotProcess[]): Promise<{ stop(): Promise<Observed> }>;
}

export interface WatchContext {
  rig: Rig;
  hops: { pg?: CountingHop; redis?: CountingHop };
  dbName?: string;
  redis?: BenchRedis;
}

async function postgresPids(dbName: string | undefined): Promise<number[]> {
  if (!dbName) return [];
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1',
      [dbName],
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

async function redisPid(redis: BenchRedis | undefined): Promise<number[]> {
  if (!redis) return [];
  const client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
  await client.connect();
  try {
    const info = await client.info('server');
    return [Number(/process_id:(\d+)/.exec(info)?.[1])];
  } finally {
    client.disconnect();
  }
}

export function watchRun(ctx: WatchContext): Watch {
  const scripts = ctx.hops.redis ? bullmqScripts() : Promise.resolve(new Map<string, string>());
  return {
    async start(bots) {
      const groups = async () =>
        new Map<string, number[]>([
          ['bots', bots.map((b) => b.child.pid as number)],
          ['postgres (the bench database)', await postgresPids(ctx.dbName)],
          ['redis', await redisPid(ctx.redis)],
          ['fake BFL + fake Slack (bench process)', [process.pid]],
          ['load client', [ctx.rig.clientPid]],
        ]);
      const lines0 = bots.reduce((s, b) => s + b.logLines(), 0);
      ctx.hops.pg?.reset();
      ctx.hops.redis?.reset();
      const botsQueued = () => bots.reduce((sum, b) => sum + runQueueWaitMs(b.child.pid as number), 0);
      const cpu = watchCpu(await groups());
      const busy0 = machineBusyMs();
      const queued0 = botsQueued();
      const t0 = performance.now();
      return {
        async stop() {
          const wallMs = performance.now() - t0;
          const botsQueuedMs = botsQueued() - queued0;
          const busy = machineBusyMs() - busy0;
          const used = cpu.stop(await groups());
          const ours = [...used.values()].reduce((a, b) => a + b, 0);
          used.set('everything else on the machine (other work, Postgres shared processes)', busy - ours);
          const observed: Observed = {
            wallMs,
            cpu: used,
            logLines: bots.reduce((s, b) => s + b.logLines(), 0) - lines0,
            botsQueuedMs,
            load: readFileSync('/proc/loadavg', 'latin1').split(' ')[0] ?? '?',
          };
          if (ctx.hops.pg) observed.pg = ctx.hops.pg.counts;
          if (ctx.hops.redis) {
            const counts = ctx.hops.redis.counts;
            observed.redis = { ...counts, byName: nameScripts(counts.byName, await scripts) };
          }
          return observed;
        },
      };
    },
  };
}

export interface RunReport {
  jobs: number;
  answered: number;
  /** Results posted before the run's deadline. */
  results: number;
  /** Results posted a second time for the same job. */
  duplicates: number;
  /** Card edits that showed an earlier state than one the card had already shown. */
  backwards: number;
  makespanMs: number;
  idealMs: number;
  makespanRatio: number;
  rateLimited: number;
  maxActive: number;
  ackP50: number;
  ackP99: number;
  lastResultMs: number;
  jobsPerSecond: number;
  /** Jobs per second the parties' CPU per job would allow on 2 cores with nothing else running. */
  cpuCeiling: number;
}

/** The parties whose CPU a job costs (the rest of the machine is someone else's). */
const OURS = [
  'bots',
  'postgres (the bench database)',
  'redis',
  'fake BFL + fake Slack (bench process)',
  'load client',
];

const top = (byName: Map<string, number>, per: number, n = 8) =>
  [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${(v / per).toFixed(2)}`)
    .join(', ');

/** The run's figures; prints where its time went. */
export function reportRun(what: string, r: RunRecord, o: Observed, slots: number): RunReport {
  const jobs = r.answers.length;
  const acks = r.answers.map((a) => a.ms).sort((a, b) => a - b);
  const last = Math.max(...r.delivered);
  const firstSubmit = r.tasks[0]?.submittedAt ?? Number.NaN;
  const makespanMs =
    Math.max(...r.tasks.map((t) => t.downloadedAt ?? Number.POSITIVE_INFINITY)) - firstSubmit;
  const idealMs = idealMakespan(
    r.tasks.map((t) => t.readyAt - t.submittedAt),
    slots,
  );
  const report: RunReport = {
    jobs,
    answered: r.answers.filter((a) => a.status === 200).length,
    makespanMs,
    idealMs,
    makespanRatio: makespanMs / idealMs,
    rateLimited: r.rateLimited,
    maxActive: r.maxActiveSeen,
    ackP50: percentile(acks, 0.5),
    ackP99: percentile(acks, 0.99),
    lastResultMs: last - r.firstWriteAt,
    results: r.delivered.length,
    duplicates: r.duplicates,
    backwards: r.backwards,
    // Over the results that were posted (all of them unless the run hit its deadline).
    jobsPerSecond: (r.delivered.length * 1000) / (last - r.firstWriteAt),
    cpuCeiling: (2 * 1000) / (OURS.reduce((sum, name) => sum + (o.cpu.get(name) ?? 0), 0) / jobs),
  };
  const cores = (o.wallMs / 1000) * 2;
  const lines = [...o.cpu].map(
    ([name, ms]) =>
      `    ${name}: ${(ms / 1000).toFixed(2)} s CPU (${((ms / 1000 / cores) * 100).toFixed(0)}% of 2 cores)`,
  );
  const perJob = (n: number) => (n / jobs).toFixed(2);
  const cpuPerJob = OURS.map((name) => `${name.split(' (')[0]} ${perJob(o.cpu.get(name) ?? 0)}`).join(', ');
  // When each stage had done 10%, 50%, 90%, all of the jobs: the stage that falls behind is the limit.
  const stage = (name: string, at: number[]) => {
    const s = at.map((t) => t - r.firstWriteAt).sort((a, b) => a - b);
    const q = (p: number) => (p === 1 ? s.at(-1) : percentile(s, p)) ?? Number.NaN;
    return `${name} ${[0.1, 0.5, 0.9, 1].map((p) => (q(p) / 1000).toFixed(2)).join('/')}`;
  };
  const timeline = [
    stage(
      'acked',
      r.answers.map((a) => r.firstWriteAt + a.ms),
    ),
    stage(
      'card posted',
      r.cards.map((c) => c.at),
    ),
    stage(
      'submitted',
      r.tasks.map((t) => t.submittedAt),
    ),
    stage(
      'image fetched',
      r.tasks.map((t) => t.downloadedAt ?? Number.NaN),
    ),
    stage('result posted', r.delivered),
  ].join(' · ');
  const methods = new Map<string, number[]>();
  for (const c of r.calls) methods.set(c.method, [...(methods.get(c.method) ?? []), c.at]);
  const byMethod = [...methods]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([m, at]) => `${stage(m, at)} (${perJob(at.length)}/job)`)
    .join('\n      ');
  console.log(
    [
      `  ${what}: ${jobs} jobs${report.results < jobs ? ` (only ${report.results} results posted by the deadline)` : ''}, command → last result ${(report.lastResultMs / 1000).toFixed(2)} s, watched ${(o.wallMs / 1000).toFixed(2)} s; client write loop ${r.writeMs.toFixed(1)} ms, client waiting for a CPU ${r.queuedMs.toFixed(1)} ms`,
      `    s after the first command when 10%/50%/90%/all were: ${timeline}`,
      `    Slack calls, s after the first command when 10%/50%/90%/all were made:\n      ${byMethod}`,
      ...lines,
      `    CPU ms per job: ${cpuPerJob}; on 2 cores with nothing else running that allows at most ${report.cpuCeiling.toFixed(0)} jobs/s${o.pg ? ' (counted run: the bench process also runs the counting hops)' : ''}`,
      `    the bots' threads waiting for a CPU: ${(o.botsQueuedMs / 1000).toFixed(2)} s in all; machine load average (1 min) at the end: ${o.load}`,
      `    per job: ${perJob(r.polls)} polls at the fake BFL, ${perJob(r.slackCalls)} Slack API calls, ${perJob(o.logLines)} log lines`,
      ...(o.pg
        ? [
            `    per job, Postgres: ${perJob(o.pg.roundTrips)} round trips, ${perJob(o.pg.commands)} statements (by message: ${top(o.pg.byName, jobs)}); by statement:`,
            ...[...o.pg.statements]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 24)
              .map(([sql, n]) => `      ${perJob(n)}  ${sql.slice(0, 110)}`),
          ]
        : []),
      ...(o.redis
        ? [
            `    per job, Redis: ${perJob(o.redis.roundTrips)} client writes, ${perJob(o.redis.commands)} commands (${top(o.redis.byName, jobs, 14)})`,
          ]
        : []),
    ].join('\n'),
  );
  return report;
}
