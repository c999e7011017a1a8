/**
 * Scale out (issue 11): flux-bot as real processes (`npm start`'s src/main.ts) in Slack HTTP mode against
 * the loopback BFL and Slack, a load client in another process spreading /flux commands over them.
 * Each configuration — embedded with 1 process, distributed (Postgres + BullMQ) with 1, then with 3 —
 * gets fresh processes, a warm-up, then:
 * 1. a burst of 100 images, generation uniform in 1–2 s, 24 active at the fake: makespan (first submit →
 *    last image fetched) over the ideal (the same tasks list-scheduled on 24 slots with no lag), 429s,
 *    the most tasks active at once at the fake, and the client's ack p99;
 * 2. zero-generation throughput: N commands at once, jobs per second from the first command written to
 *    the last result posted at the fake Slack.
 * Flags: --embedded / --distributed (only those configurations), --jobs=N (throughput run size),
 * --profile=<dir> (bots run with --cpu-prof into <dir>/<process>), --count (Postgres and Redis
 * reached through counting hops: round trips per job; the timings of such a run are not the figures),
 * --dump=<prefix> (each configuration's run records as <prefix>-<configuration>.json).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randoms } from '../test/core/providers/poll-sim.ts';
import { SECRET } from '../test/support/slack.ts';
import type { Figure } from './core.ts';
import {
  type BenchDatabase,
  type BenchRedis,
  type BotProcess,
  freshDatabase,
  freshRedis,
  logProblems,
  startBot,
  type Workspace,
  workspace,
} from './scale-procs.ts';
import { type RunReport, reportRun, type Watch, watchRun } from './scale-report.ts';
import { type Command, type Rig, startRig } from './scale-rig.ts';
import { type CountingHop, countingHop } from './wire-count.ts';

const SLOTS = 24;
const BURST = 100;
const USERS = 50;
const WARM = 48;

const flag = (name: string) => process.argv.includes(`--${name}`);
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

interface Setup {
  label: string;
  processes: number;
  /** DATABASE_URL and REDIS_URL; none: embedded. */
  distributed?: { databaseUrl: string; redisUrl: string };
  /** Whether the throughput target applies (it is set for three processes). */
  judged: boolean;
}

const commands = (n: number, tag: string, model: string, genMs: (i: number) => number, users = USERS) =>
  Array.from(
    { length: n },
    (_, i): Command => ({ prompt: `[gen-ms=${genMs(i)}] ${tag} ${i}`, model, user: 1000 + (i % users) }),
  );

async function startBots(rig: Rig, ws: Workspace, setup: Setup, tag: string): Promise<BotProcess[]> {
  const env: Record<string, string> = {
    BFL_API_KEY: 'bfl_test_key_0123456789',
    BFL_API_BASE: rig.bfl.url,
    PORT: '0',
    HOST: '127.0.0.1',
    SLACK_BOT_TOKEN: rig.slack.botToken,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: rig.slack.apiUrl,
    FLUX_MAX_ACTIVE: String(SLOTS),
    FLUX_MAX_QUEUED_PER_USER: '1000',
    FLUX_STOP_GRACE_SECONDS: '5',
    LOG_LEVEL: 'info',
    ...(setup.distributed
      ? { DATABASE_URL: setup.distributed.databaseUrl, REDIS_URL: setup.distributed.redisUrl }
      : {}),
  };
  const profile = option('profile');
  // One directory per process: node names each thread's profile itself (the tsx loader runs in a thread
  // of its own and writes one too; the main thread's is the largest).
  const nodeArgs = (name: string) => (profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profile, name)}`] : []);
  // The first alone (it creates the schema), then the others together.
  const first = await startBot(ws, `${tag}-1`, env, nodeArgs(`${tag}-1`));
  const others = await Promise.all(
    Array.from({ length: setup.processes - 1 }, (_, i) =>
      startBot(ws, `${tag}-${i + 2}`, env, nodeArgs(`${tag}-${i + 2}`)),
    ),
  );
  return [first, ...others];
}

async function runSetup(rig: Rig, ws: Workspace, setup: Setup, tag: string, watch: Watch): Promise<Figure[]> {
  const bots = await startBots(rig, ws, setup, tag);
  const ports = bots.map((b) => b.port);
  const jobs = Number(option('jobs') ?? 600);
  const rnd = randoms(11);
  const burstGen = Array.from({ length: BURST }, () => 1_000 + Math.round(rnd() * 1_000));
  const reports: RunReport[] = [];
  try {
    // Warm-up on another model: the latency model learns per model, so the burst's polls start from
    // the catalog's guess, as they would in a fresh deployment.
    await rig.run(
      ports,
      commands(WARM, `${tag} warm`, 'klein-9b', () => 0, 12),
    );
    const w1 = await watch.start(bots);
    const burst = await rig.run(
      ports,
      commands(BURST, `${tag} burst`, 'klein-4b', (i) => burstGen[i] as number),
    );
    reports.push(reportRun('burst', burst, await w1.stop(), SLOTS));
    const w2 = await watch.start(bots);
    const zero = await rig.run(
      ports,
      commands(jobs, `${tag} zero`, 'klein-9b', () => 0),
    );
    reports.push(reportRun('throughput', zero, await w2.stop(), SLOTS));
    const dump = option('dump');
    if (dump) writeFileSync(`${dump}-${tag}.json`, JSON.stringify({ burst, zero }));
  } catch (err) {
    for (const b of bots) for (const line of logProblems(b)) console.error(`${b.name}: ${line}`);
    throw err;
  } finally {
    const ends = await Promise.all(bots.map((b) => b.stop()));
    ends.forEach((e, i) => {
      if (e.code !== 0) console.error(`${bots[i]?.name} exited with ${e.code ?? e.signal}`);
    });
  }
  return figures(setup, reports);
}

function figures(setup: Setup, [burst, zero]: RunReport[]): Figure[] {
  if (!burst || !zero) return [];
  const f = (name: string, value: number, unit: string, target: string, ok = true): Figure => ({
    name: `${setup.label}: ${name}`,
    value: Number(value.toFixed(value < 10 ? 3 : 1)),
    unit,
    target,
    ok,
  });
  const info = '(information)';
  return [
    f('burst answered', burst.answered, `/ ${BURST}`, String(BURST), burst.answered === BURST),
    f(
      `burst makespan / ideal (${BURST} images, 1–2 s, ${SLOTS} slots)`,
      burst.makespanRatio,
      `× (${(burst.makespanMs / 1000).toFixed(2)} s vs ${(burst.idealMs / 1000).toFixed(2)} s)`,
      '≤ 1.05',
      burst.makespanRatio <= 1.05,
    ),
    f('burst 429s at the fake BFL', burst.rateLimited, '', '0', burst.rateLimited === 0),
    f('burst most tasks active at the fake', burst.maxActive, '', `≤ ${SLOTS}`, burst.maxActive <= SLOTS),
    f('burst ack p50 seen by the client', burst.ackP50, 'ms', info),
    f('burst ack p99 seen by the client', burst.ackP99, 'ms', '≤ 50', burst.ackP99 <= 50),
    f('burst first command → last result', burst.lastResultMs / 1000, 's', info),
    f(`throughput answered`, zero.answered, `/ ${zero.jobs}`, String(zero.jobs), zero.answered === zero.jobs),
    f(
      `zero-generation throughput, first command → last result (${zero.jobs} jobs)`,
      zero.jobsPerSecond,
      'jobs/s',
      setup.judged ? '≥ 300' : info,
      !setup.judged || zero.jobsPerSecond >= 300,
    ),
    f('throughput 429s at the fake BFL', zero.rateLimited, '', '0', zero.rateLimited === 0),
    f('throughput most tasks active at the fake', zero.maxActive, '', `≤ ${SLOTS}`, zero.maxActive <= SLOTS),
    f('throughput ack p99 seen by the client', zero.ackP99, 'ms', info),
  ];
}

export async function scale(): Promise<Figure[]> {
  const rig = await startRig();
  const ws = workspace();
  let db: BenchDatabase | undefined;
  let redis: BenchRedis | undefined;
  const hops: CountingHop[] = [];
  const out: Figure[] = [];
  try {
    const embedded = !flag('distributed');
    const distributed = !flag('embedded');
    if (embedded) {
      const setup: Setup = { label: 'embedded, 1 process', processes: 1, judged: false };
      console.log(`\n${setup.label}`);
      out.push(...(await runSetup(rig, ws, setup, 'embedded', watchRun({ rig, hops: {} }))));
    }
    if (distributed) {
      db = await freshDatabase();
      redis = await freshRedis();
      let databaseUrl = db.url;
      let redisUrl = redis.url;
      const count: { pg?: CountingHop; redis?: CountingHop } = {};
      if (flag('count')) {
        const pgUrl = new URL(db.url);
        count.pg = await countingHop({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) }, 'postgres');
        count.redis = await countingHop({ host: redis.host, port: redis.port }, 'redis');
        hops.push(count.pg, count.redis);
        pgUrl.port = String(count.pg.port);
        databaseUrl = pgUrl.toString();
        redisUrl = `redis://127.0.0.1:${count.redis.port}/${redis.db}`;
      }
      const urls = { databaseUrl, redisUrl };
      for (const processes of [1, 3]) {
        const label = `distributed, ${processes} process${processes > 1 ? 'es' : ''}`;
        const setup: Setup = { label, processes, distributed: urls, judged: processes === 3 };
        console.log(`\n${label}`);
        const watch = watchRun({ rig, hops: count, dbName: db.name, redis });
        out.push(...(await runSetup(rig, ws, setup, `distributed-${processes}`, watch)));
      }
    }
  } finally {
    for (const hop of hops) await hop.close();
    await rig.close();
    await db?.drop();
    await redis?.close();
    ws.remove();
  }
  return out;
}
