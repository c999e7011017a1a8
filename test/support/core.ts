/** Builds the real core (store, BFL provider, scheduler, jobs) against the loopback fake BFL. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { JobEvent, JobOrigin } from '../../src/core/job-types.ts';
import { createJobs } from '../../src/core/jobs.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createCatalog } from '../../src/core/models.ts';
import { DEFAULT_PRICES } from '../../src/core/pricing.ts';
import { createBflProvider } from '../../src/core/providers/bfl.ts';
import { createHttp } from '../../src/core/providers/http.ts';
import { type RequestInput, validateRequest } from '../../src/core/request.ts';
import { createSqliteStore } from '../../src/core/store/sqlite.ts';
import { toAsyncStore } from '../../src/core/store/sqlite-async.ts';
import type { FakeBfl } from '../fakes/bfl-server.ts';

export const catalog = createCatalog();

export function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'flux-test-')), 'flux.db');
}

export function request(input: RequestInput) {
  return validateRequest({ seed: 1, ...input }, catalog);
}

export function origin(userId = 'u1', platform: JobOrigin['platform'] = 'cli'): JobOrigin {
  return { platform, userId, userName: `user ${userId}`, channelId: 'c1' };
}

export interface CoreOptions {
  dbPath?: string;
  maxActive?: number;
  maxQueuedPerUser?: number;
  apiKey?: string;
  /** Production timings (the catalog's typical times, position updates every 300 ms): benches, crash child. */
  productionLatency?: boolean;
  /** Generation time the poller expects before it learns (test default 50 ms). */
  typicalMs?: number;
  confirmTtlMs?: number;
  /** How often the balance is looked at while out of credits (default: production's 1 s, 2 s, 4 s …). */
  creditCheck?: { firstMs: number; maxMs: number };
}

export function buildCore(bfl: Pick<FakeBfl, 'url'>, options: CoreOptions = {}) {
  const store = createSqliteStore(options.dbPath ?? tempDb());
  const http = createHttp();
  const provider = createBflProvider({
    apiKey: options.apiKey ?? 'bfl_test_key_0123456789',
    baseUrl: bfl.url,
    catalog,
    dispatcher: http.dispatcher,
    logger: silentLogger(),
  });
  const jobs = createJobs({
    store: toAsyncStore(store),
    provider,
    catalog,
    prices: DEFAULT_PRICES,
    maxActive: options.maxActive ?? 24,
    maxQueuedPerUser: options.maxQueuedPerUser ?? 1000,
    ...(options.confirmTtlMs ? { confirmTtlMs: options.confirmTtlMs } : {}),
    ...(options.creditCheck ? { creditCheck: options.creditCheck } : {}),
    logger: silentLogger(),
    // The fake generates in tens of milliseconds: start the poller's guess there, and send places quickly.
    ...(options.productionLatency
      ? {}
      : { typicalMs: () => options.typicalMs ?? 50, positionDebounceMs: 10 }),
  });
  const events: JobEvent[] = [];
  const settled = new Map<string, (e: JobEvent) => void>();
  const waiters = new Map<string, Promise<JobEvent>>();
  jobs.attach('cli', {
    async handle(event) {
      events.push(event);
      if (['ready', 'failed', 'cancelled', 'needs_review'].includes(event.type))
        settled.get(event.job.id)?.(event);
    },
  });
  return {
    store,
    provider,
    jobs,
    events,
    /** Resolves with the job's final event. */
    done(jobId: string): Promise<JobEvent> {
      let p = waiters.get(jobId);
      if (!p) {
        p = new Promise((resolve) => settled.set(jobId, resolve));
        waiters.set(jobId, p);
      }
      return p;
    },
    async close() {
      await jobs.stop();
      await http.close();
      store.close();
    },
  };
}

/** The id of the newest job in an app's database (read-only, beside the running app). */
export function newestJobId(dataDir: string): string | undefined {
  const db = new Database(join(dataDir, 'flux.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT id FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT 1').get();
    return (row as { id: string } | undefined)?.id;
  } finally {
    db.close();
  }
}
