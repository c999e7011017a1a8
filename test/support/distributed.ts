/**
 * Distributed mode end to end: several `npm start` processes sharing one Postgres database and one Redis
 * db (a fresh pair for each test), as Slack HTTP-mode bots against one fake BFL and one fake Slack. Every
 * process is killed after the test, its database dropped and its Redis db flushed. Without Postgres or
 * Redis the suite is skipped loudly; under CI=true a missing one fails.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, expect } from 'vitest';
import { openTestRedis, type TestRedis } from '../core/queue/redis-db.ts';
import { freshDatabase, postgresMissing, type TestDatabase } from '../core/store/postgres-db.ts';
import { type FakeBfl, type FakeBflOptions, startFakeBfl } from '../fakes/bfl-server.ts';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-server.ts';
import { need } from './app-fixture.ts';
import { type Run, runProcess, startedPort } from './main-process.ts';
import { CHANNEL, commandBody, postForm, SECRET } from './slack.ts';

const WHAT = 'the distributed-mode end-to-end tests';

/** Why the suite cannot run (Redis: openTestRedis warns, or throws under CI); undefined when it can. */
export async function distributedMissing(): Promise<unknown> {
  const pg = await postgresMissing(WHAT);
  const redis = await openTestRedis();
  await redis?.close();
  return pg ?? (redis ? undefined : new Error('no Redis'));
}

export interface Node {
  name: string;
  run: Run;
  port: number;
}

/** What one job's card thread received: images shared, share calls, and messages. */
export interface Delivered {
  prompt: string;
  /** chat.update calls on the card. */
  updates: number;
  images: number;
  shares: number;
  messages: number;
}

export function useCluster(bflOptions: Partial<FakeBflOptions> = {}) {
  let bfl: FakeBfl | undefined;
  let slack: FakeSlack | undefined;
  let db: TestDatabase | undefined;
  let redis: TestRedis | undefined;
  let cwd = '';
  let reader: pg.Client | undefined;
  const runs: Run[] = [];

  beforeEach(async () => {
    bfl = await startFakeBfl(bflOptions);
    slack = await startFakeSlack();
    db = await freshDatabase();
    redis = await openTestRedis();
    cwd = mkdtempSync(join(tmpdir(), 'flux-distributed-'));
  });
  afterEach(async () => {
    for (const run of runs.splice(0)) {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      await run.exited;
    }
    await reader?.end();
    reader = undefined;
    await redis?.close();
    await db?.drop();
    await slack?.close();
    await bfl?.close();
    redis = db = slack = bfl = undefined;
  });

  /** The test's own look at the shared database: rows per state of `table`. */
  async function countBy(table: 'jobs' | 'tasks'): Promise<Record<string, number>> {
    if (!reader) {
      reader = new pg.Client({ connectionString: need(db, 'database').url });
      await reader.connect();
    }
    const { rows } = await reader.query(`SELECT state, count(*)::int AS n FROM ${table} GROUP BY state`);
    return Object.fromEntries(rows.map((r) => [r.state as string, r.n as number]));
  }

  const cluster = {
    get bfl() {
      return need(bfl, 'fake BFL');
    },
    get slack() {
      return need(slack, 'fake Slack');
    },
    get databaseUrl() {
      return need(db, 'database').url;
    },
    get redisUrl() {
      const { host, port, db: index } = need(redis, 'Redis').connection;
      return `redis://${host}:${port}/${index}`;
    },

    /** `npm start` with the fakes' settings and `env` on top (nothing distributed unless `env` says so). */
    spawn(env: Record<string, string>): Run {
      const run = runProcess('main', cwd, {
        BFL_API_KEY: 'bfl_test_key_0123456789',
        BFL_API_BASE: cluster.bfl.url,
        SLACK_BOT_TOKEN: cluster.slack.botToken,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: cluster.slack.apiUrl,
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: join(cwd, `data-${runs.length}`),
        ...env,
      });
      runs.push(run);
      return run;
    },

    /** `count` processes in distributed mode on this test's database and Redis db, once all listen. */
    async start(count: number, env: Record<string, string> = {}): Promise<Node[]> {
      const started = Array.from({ length: count }, () => ({
        name: `p${runs.length + 1}`,
        run: cluster.spawn({
          DATABASE_URL: cluster.databaseUrl,
          REDIS_URL: cluster.redisUrl,
          FLUX_MAX_ACTIVE: '24',
          // 'submitted' lines name the provider task each process submitted.
          LOG_LEVEL: 'debug',
          ...env,
        }),
      }));
      return Promise.all(started.map(async (n) => ({ ...n, port: await startedPort(n.run) })));
    },

    /** A signed /flux slash command to one process's front end, acknowledged. */
    async command(node: Node, text: string, user: string): Promise<void> {
      const res = await postForm(node.port, commandBody(text, cluster.slack, { user_id: user }));
      expect(res.status, `${node.name} acknowledged "${text}"`).toBe(200);
    },

    /** Per job card in the channel: what its thread received. */
    delivered(): Delivered[] {
      const s = cluster.slack;
      const messages = [...s.messages.values()];
      return messages
        .filter((m) => m.channel === CHANNEL && !m.threadTs)
        .map((card) => ({
          prompt: card.text,
          updates: card.updates,
          images: [...s.uploads.values()].filter((u) => u.completed && u.threadTs === card.ts).length,
          shares: s.calls.filter(
            (c) => c.method === 'files.completeUploadExternal' && c.params.thread_ts === card.ts,
          ).length,
          // A result is one message: the images shared with their details and buttons.
          messages: messages.filter((m) => m.threadTs === card.ts).length,
        }));
    },

    /** How many of this test's jobs are in each state, from the shared database. */
    jobStates: () => countBy('jobs'),
    /** How many of this test's images (tasks) are in each state. */
    taskStates: () => countBy('tasks'),

    /** Images shared into job threads, all jobs together. */
    imagesDelivered(): number {
      return cluster.delivered().reduce((n, d) => n + d.images, 0);
    },
  };
  return cluster;
}

/** The provider tasks a process submitted, from its 'submitted' debug lines. */
export function submittedBy(run: Run): string[] {
  return logLines(run)
    .filter((l) => l.msg === 'submitted' && typeof l.providerTask === 'string')
    .map((l) => l.providerTask as string);
}

/** How many times a process logged `msg`. */
export function logged(run: Run, msg: string): number {
  return logLines(run).filter((l) => l.msg === msg).length;
}

function logLines(run: Run): Array<Record<string, unknown>> {
  return run
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}
