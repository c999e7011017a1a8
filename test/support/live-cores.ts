/**
 * Live cores in distributed mode, as the real app builds them (src/app.ts `openStore`): each its own
 * Postgres pool, BullMQ scheduler, wake channel and advisory locks, all on one fresh Postgres database
 * and Redis db per test, over a fake provider, with a sink that keeps every event. `deadProcess` writes
 * through a store of its own, as a process that died would have left things. Everything is closed, the
 * database dropped and the Redis db flushed after each test. Skipped loudly without Postgres or Redis;
 * under CI=true a missing one fails.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import type { JobEvent } from '../../src/core/job-types.ts';
import { createJobs, type JobsOptions } from '../../src/core/jobs.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { DEFAULT_PRICES } from '../../src/core/pricing.ts';
import { createBullmqScheduler } from '../../src/core/queue/bullmq-scheduler.ts';
import { createWakeChannel } from '../../src/core/queue/wake-channel.ts';
import type { AsyncStore } from '../../src/core/store/port.ts';
import { createPostgresStore } from '../../src/core/store/postgres.ts';
import { createAdvisoryLocks } from '../../src/core/store/postgres-locks.ts';
import { openTestRedis, type TestRedis } from '../core/queue/redis-db.ts';
import { freshDatabase, postgresMissing, type TestDatabase } from '../core/store/postgres-db.ts';
import { catalog } from './core.ts';
import { createFakeProvider } from './fake-provider.ts';
import { until } from './until.ts';

/** Why live cores cannot run here (said loudly; under CI a missing Redis throws), or undefined. */
export async function liveCoresMissing(what: string): Promise<unknown> {
  const pg = await postgresMissing(what);
  const redis = await openTestRedis();
  await redis?.close();
  return pg ?? (redis ? undefined : new Error('no Redis'));
}

export interface LiveCoreOptions extends Partial<Pick<JobsOptions, 'confirmTtlMs' | 'sweepEveryMs'>> {
  /** The sink holds each ready event until this resolves: an upload under way (the job stays ready). */
  holdReady?: Promise<void>;
}

export type LiveCore = Awaited<ReturnType<ReturnType<typeof useLiveCores>['liveCore']>>;

/** Registers the per-test database and Redis db; `missing` (from liveCoresMissing) skips the setup. */
export function useLiveCores(missing: unknown) {
  const logger = silentLogger();
  const cleanups: Array<() => Promise<void>> = [];
  let db: TestDatabase | undefined;
  let redis: TestRedis | undefined;
  /** This test's BullMQ queue and wake channel: Redis channels are shared by every db index. */
  let queueName = '';

  beforeEach(async () => {
    if (missing) return;
    db = await freshDatabase();
    redis = await openTestRedis();
    queueName = `live-${randomUUID()}`;
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await redis?.close();
    await db?.drop();
    redis = db = undefined;
  });

  /** A live process, started. */
  async function liveCore(name: string, options: LiveCoreOptions = {}) {
    const { holdReady, ...jobOptions } = options;
    if (!db || !redis) throw new Error('no database or Redis outside a test');
    const opened = await createPostgresStore(db.url, { logger });
    /** Reads of the unfinished jobs ended: one per sweep (and one at start). */
    let looks = 0;
    const store: AsyncStore = Object.assign(Object.create(opened) as AsyncStore, {
      unfinishedJobs: () => opened.unfinishedJobs().finally(() => looks++),
    });
    const onError = () => undefined;
    const queue = await createBullmqScheduler({
      connection: redis.connection,
      maxActive: 4,
      queueName,
      onError,
    });
    const wakes = await createWakeChannel(redis.connection, queueName, onError);
    const locks = createAdvisoryLocks(db.url, logger);
    const provider = createFakeProvider();
    const jobs = createJobs({
      store,
      provider,
      catalog,
      prices: DEFAULT_PRICES,
      maxQueuedPerUser: 100,
      logger,
      distributed: { queue, locks, wakes },
      typicalMs: () => 50,
      positionDebounceMs: 10,
      ...jobOptions,
    });
    const events: JobEvent[] = [];
    jobs.attach('slack', {
      async handle(event) {
        events.push(event);
        if (event.type === 'ready') await holdReady;
      },
    });
    cleanups.push(async () => {
      await jobs.stop(0);
      await Promise.allSettled([locks.close(), wakes.close(), opened.close()]);
    });
    await jobs.start();
    return {
      jobs,
      provider,
      events,
      /** Resolves once this process has read the unfinished jobs `n` more times (swept, with sweeps on). */
      async sweeps(n: number) {
        const target = looks + n;
        await until(() => looks >= target, 10_000, `${name} to sweep ${n} more times`);
      },
    };
  }

  /** The store of a process that died: what it left is written through it, then it is closed. */
  async function deadProcess(leave: (store: AsyncStore) => Promise<void>): Promise<void> {
    if (!db) throw new Error('no database outside a test');
    const store = await createPostgresStore(db.url, { logger });
    try {
      await leave(store);
    } finally {
      await store.close();
    }
  }

  return { liveCore, deadProcess };
}
