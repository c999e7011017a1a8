/** The jobs service over a fake Provider (our own port) and a real SQLite file, for unit tests. */
import { afterEach } from 'vitest';
import type { JobEvent, JobOrigin, JobSink } from '../../src/core/job-types.ts';
import { type Logger, silentLogger } from '../../src/core/logger.ts';
import type { Scheduler } from '../../src/core/scheduler.ts';
import { createSqliteStore } from '../../src/core/store/sqlite.ts';
import type { Store } from '../../src/core/store/types.ts';
import { tempDb, testJobs } from './core.ts';
import { createFakeProvider, type FakeProvider } from './fake-provider.ts';
import { until } from './until.ts';

export interface HarnessOptions {
  dbPath?: string;
  maxActive?: number;
  maxQueuedPerUser?: number;
  logger?: Logger;
  scheduler?: Scheduler;
  /** Platforms to attach a recording sink for (default: cli). */
  platforms?: JobOrigin['platform'][];
  /** Puts our own Store port between the jobs and the file (a disk that refuses chosen writes). */
  wrapStore?: (store: Store) => Store;
  /** How often the store checks its file (default 5 s). */
  storeUpkeepMs?: number;
  /** Runs inside the sink for every event; a throw fails that event (a ready one stays undelivered). */
  onEvent?: (event: JobEvent) => Promise<void> | void;
}

export type Harness = ReturnType<typeof createHarness>;

export function createHarness(options: HarnessOptions = {}) {
  const dbPath = options.dbPath ?? tempDb();
  const provider: FakeProvider = createFakeProvider();
  const file = createSqliteStore(dbPath, {
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.storeUpkeepMs ? { upkeepEveryMs: options.storeUpkeepMs } : {}),
  });
  const store = options.wrapStore ? options.wrapStore(file) : file;
  const jobs = testJobs(store, provider, {
    maxActive: options.maxActive ?? 4,
    maxQueuedPerUser: options.maxQueuedPerUser ?? 100,
    logger: options.logger ?? silentLogger(),
    positionDebounceMs: 5,
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
  });
  const events: JobEvent[] = [];
  const sink: JobSink = {
    async handle(event) {
      events.push(event);
      await options.onEvent?.(event);
    },
  };
  for (const p of options.platforms ?? ['cli']) jobs.attach(p, sink);
  const FINAL = new Set(['ready', 'failed', 'cancelled', 'needs_review']);
  return {
    dbPath,
    provider,
    store,
    jobs,
    events,
    sink,
    eventsOf: (jobId: string) => events.filter((e) => e.job.id === jobId).map((e) => e.type),
    /** The job's last event once it is final (ready, failed, cancelled, needs_review with no task left). */
    async ended(jobId: string): Promise<JobEvent> {
      await until(
        () =>
          events.some((e) => e.job.id === jobId && FINAL.has(e.type) && e.type !== 'needs_review') ||
          store.getJob(jobId)?.state === 'needs_review',
        10_000,
        `job ${jobId} to end`,
      );
      return events.filter((e) => e.job.id === jobId && FINAL.has(e.type)).at(-1) as JobEvent;
    },
    /** Waits until the provider has `n` tasks being waited for. */
    waitingFor: (n: number) => until(() => provider.waiting().length >= n, 10_000, `${n} waits`),
    async close() {
      await jobs.stop();
      store.close();
    },
  };
}

/** A maker of harnesses for a test file: whatever a test made through it is closed after that test. */
export function useHarnesses(): (options?: HarnessOptions) => Harness {
  const open: Harness[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
  });
  return (options = {}) => {
    const h = createHarness(options);
    open.push(h);
    return h;
  };
}
