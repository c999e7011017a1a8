/**
 * Scale out (issue 11): flux-bot as real processes (`npm start`'s src/main.ts) in Slack HTTP mode against
 * the loopback BFL and Slack, a load client in another process spreading /flux commands over them.
 * Each configuration — embedded with 1 process, distributed (Postgres + BullMQ) with 1, then with 3, then
 * 1 front end + 2 workers (FLUX_ROLE=worker: the client sends every command to the front end; its figures
 * are information, no targets) — gets fresh processes, a warm-up, then:
 * 1. a burst of 100 images, generation uniform in 1–2 s, 24 active at the fake: makespan (first submit →
 *    last image fetched) over the ideal (the same tasks list-scheduled on 24 slots with no lag), 429s,
 *    the most tasks active at once at the fake, and the client's ack p99;
 * 2. zero-generation throughput: N commands at once, jobs per second from the first command written to
 *    the last result posted at the fake Slack.
 * Flags: --embedded / --distributed (only those configurations), --processes=3 (distributed with 3 only),
 * --workers (1 front end + 2 workers only; with --processes=N, those too), --jobs=N (throughput run size),
 * --warm=N (warm-up jobs, default 48: a fresh deployment's first minute; a few hundred leave each process's
 * JIT settled, as in a process that has run a while),
 * --profile=<dir> (bots run with --cpu-prof into <dir>/<process>), --count (Postgres and Redis
 * reached through counting hops: round trips per job; the timings of such a run are not the figures),
 * --dump=<prefix> (each configuration's run records as <prefix>-<configuration>.json).
 * Bounded: a run ends at its deadline (75 s, or what is left of the group's 170 s) with the results that
 * came, and a configuration that cannot start within the budget is reported as not run. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randoms } from '../test/core/providers/poll-sim.ts';
import { freshDatabase } from '../test/core/store/postgres-db.ts';
import { SECRET } from '../test/support/slack.ts';
import type { Figure } from './core.ts';
import { summariseProfiles } from './profile-summary.ts';
import { figures, type Setup } from './scale-figures.ts';
import {
  type BotProcess,
  freshRedis,
  logProblems,
  startBot,
  type Workspace,
  workspace,
} from './scale-procs.ts';
import { type RunReport, reportRun, type Watch, watchRun } from './scale-report.ts';
import { type Command, type Rig, type RunRecord, startRig } from './scale-rig.ts';
import { type CountingHop, countingHop } from './wire-count.ts';

const SLOTS = 24;
const BURST = 100;
const USERS = 50;

/** The whole group's budget: each run's deadline is cut to what is left of it. */
const GROUP_BUDGET_MS = 170_000;
const RUN_MAX_MS = 75_000;
let endBy = Number.POSITIVE_INFINITY;
const runDeadline = () => Math.max(1_000, Math.min(RUN_MAX_MS, endBy - Date.now()));

const flag = (name: string) => process.argv.includes(`--${name}`);
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

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
  // The last `workers` are workers: the same environment and FLUX_ROLE. A worker serves no front end but
  // still listens (health, metrics) and logs "flux-bot started" with its port, so startBot waits for it
  // as for any other.
  const fronts = setup.processes - (setup.workers ?? 0);
  const start = (i: number) => {
    const name = i < fronts ? `${tag}-${i + 1}` : `${tag}-worker-${i + 1 - fronts}`;
    return startBot(ws, name, i < fronts ? env : { ...env, FLUX_ROLE: 'worker' }, nodeArgs(name));
  };
  // The first alone (it creates the schema), then the others together.
  const first = await start(0);
  const others = await Promise.all(Array.from({ length: setup.processes - 1 }, (_, i) => start(i + 1)));
  return [first, ...others];
}

async function runSetup(rig: Rig, ws: Workspace, setup: Setup, tag: string, watch: Watch): Promise<Figure[]> {
  const bots = await startBots(rig, ws, setup, tag);
  // Commands go to the front ends only; the CPU watched is every process's.
  const ports = bots.slice(0, setup.processes - (setup.workers ?? 0)).map((b) => b.port);
  const jobs = Number(option('jobs') ?? 600);
  const warmJobs = Number(option('warm') ?? 48);
  const rnd = randoms(11);
  const burstGen = Array.from({ length: BURST }, () => 1_000 + Math.round(rnd() * 1_000));
  const reports: Array<RunReport | undefined> = [];
  let window: [number, number] | undefined;
  const records: Record<string, RunRecord> = {};
  // A run that ends at its deadline leaves jobs in flight: the runs after it would count their results,
  // so they are not run.
  const complete = (r: RunRecord, n: number) => r.delivered.length === n;
  try {
    // Warm-up on another model: the latency model learns per model, so the burst's polls start from
    // the catalog's guess, as they would in a fresh deployment.
    const warm = await rig.run(
      ports,
      commands(warmJobs, `${tag} warm`, 'klein-9b', () => 0, 12),
      runDeadline(),
    );
    if (complete(warm, warmJobs)) {
      const w1 = await watch.start(bots);
      const gen = (i: number) => burstGen[i] as number;
      records.burst = await rig.run(ports, commands(BURST, `${tag} burst`, 'klein-4b', gen), runDeadline());
      reports.push(reportRun('burst', records.burst, await w1.stop(), SLOTS));
    }
    if (records.burst && complete(records.burst, BURST)) {
      const w2 = await watch.start(bots);
      // The profiles' clock (monotonic µs): where the throughput run lies in them.
      const mono = () => Number(process.hrtime.bigint() / 1000n);
      const zeroFrom = mono();
      records.zero = await rig.run(
        ports,
        commands(jobs, `${tag} zero`, 'klein-9b', () => 0),
        runDeadline(),
      );
      reports.push(reportRun('throughput', records.zero, await w2.stop(), SLOTS));
      window = [zeroFrom, mono()];
    }
    const dump = option('dump');
    if (dump) writeFileSync(`${dump}-${tag}.json`, JSON.stringify(records));
  } catch (err) {
    for (const b of bots) for (const line of logProblems(b)) console.error(`${b.name}: ${line}`);
    throw err;
  } finally {
    const ends = await Promise.all(bots.map((b) => b.stop()));
    ends.forEach((e, i) => {
      if (e.code !== 0) console.error(`${bots[i]?.name} exited with ${e.code ?? e.signal}`);
    });
  }
  // Written as each bot exits: only now can they be read.
  const profile = option('profile');
  if (profile && window)
    console.log(
      summariseProfiles(
        bots.map((b) => join(profile, b.name)),
        ...window,
      ),
    );
  return figures(setup, reports, { burst: BURST, jobs, slots: SLOTS });
}

/** The distributed backend of one configuration: a fresh database and Redis index, optionally counted. */
async function backend(count: boolean) {
  const db = await freshDatabase('flux_bench');
  const redis = await freshRedis();
  const hops: { pg?: CountingHop; redis?: CountingHop } = {};
  let databaseUrl = db.url;
  let redisUrl = redis.url;
  if (count) {
    const pgUrl = new URL(db.url);
    hops.pg = await countingHop({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) }, 'postgres');
    hops.redis = await countingHop({ host: redis.host, port: redis.port }, 'redis');
    pgUrl.port = String(hops.pg.port);
    databaseUrl = pgUrl.toString();
    redisUrl = `redis://127.0.0.1:${hops.redis.port}/${redis.db}`;
  }
  return {
    urls: { databaseUrl, redisUrl },
    db,
    redis,
    hops,
    async close() {
      await hops.pg?.close();
      await hops.redis?.close();
      await db.drop();
      await redis.close();
    },
  };
}

/**
 * The distributed configurations the flags ask for: every process a front end, with 1 and with 3 (or
 * --processes), then 1 front end + 2 workers (not with --embedded or --processes=…, unless --workers).
 */
function distributedSetups(): Array<Omit<Setup, 'distributed'> & { tag: string }> {
  const [workers, processes] = [flag('workers'), option('processes')];
  const counts =
    flag('embedded') || (workers && !processes) ? [] : (processes ?? '1,3').split(',').map(Number);
  const plain = counts
    .filter((n) => n >= 1)
    .map((n) => ({
      label: `distributed, ${n} process${n > 1 ? 'es' : ''}`,
      processes: n,
      judged: n === 3,
      tag: `distributed-${n}`,
    }));
  // The README's topology: one front end takes every command, two workers with no front end take queue
  // work. Not judged: its figures are read beside the three front ends'.
  const split = {
    label: 'distributed, 1 front end + 2 workers',
    processes: 3,
    workers: 2,
    judged: false,
    information: true,
    tag: 'distributed-front-workers',
  };
  return workers || !(flag('embedded') || processes) ? [...plain, split] : plain;
}

export async function scale(): Promise<Figure[]> {
  const rig = await startRig();
  const ws = workspace();
  const out: Figure[] = [];
  endBy = Date.now() + GROUP_BUDGET_MS;
  // A configuration that cannot start in what is left of the budget is reported, not run.
  // (An information-only one not run is said, not missed.)
  const spent = ({ label, information }: Pick<Setup, 'label' | 'information'>) => {
    if (Date.now() < endBy - 20_000) return false;
    out.push({
      name: `${label}: not run (the group's time budget was spent)`,
      value: 0,
      unit: '',
      target: information ? '(information)' : 'run',
      ok: information === true,
    });
    return true;
  };
  try {
    if (!(flag('distributed') || flag('workers'))) {
      const setup: Setup = { label: 'embedded, 1 process', processes: 1, judged: false };
      console.log(`\n${setup.label}`);
      out.push(...(await runSetup(rig, ws, setup, 'embedded', watchRun({ rig, hops: {} }))));
    }
    for (const { tag, ...config } of distributedSetups()) {
      if (spent(config)) continue;
      console.log(`\n${config.label}`);
      // Each configuration on a database and a Redis index of its own: nothing left by one reaches the next.
      const b = await backend(flag('count'));
      try {
        const setup: Setup = { ...config, distributed: b.urls };
        const watch = watchRun({ rig, hops: b.hops, dbName: b.db.name, redis: b.redis });
        out.push(...(await runSetup(rig, ws, setup, tag, watch)));
      } finally {
        await b.close();
      }
    }
  } finally {
    await rig.close();
    ws.remove();
  }
  return out;
}
