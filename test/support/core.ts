/**
 * Builds the real core (store, provider, scheduler, jobs) against a loopback fake: BFL's native API (the
 * default) or the OpenAI-compatible gateway in one of its dialects.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { JobEvent, JobOrigin } from '../../src/core/job-types.ts';
import { createJobs, type JobsOptions } from '../../src/core/jobs.ts';
import { type Logger, silentLogger } from '../../src/core/logger.ts';
import { createCatalog } from '../../src/core/models.ts';
import { DEFAULT_PRICES } from '../../src/core/pricing.ts';
import { type BflProviderOptions, createBflProvider } from '../../src/core/providers/bfl.ts';
import { createHttp } from '../../src/core/providers/http.ts';
import {
  createOpenAIImagesProvider,
  type OpenAIImagesOptions,
} from '../../src/core/providers/openai-images.ts';
import type { GatewayDialect } from '../../src/core/providers/openai-wire.ts';
import type { Provider } from '../../src/core/providers/types.ts';
import { type RequestInput, validateRequest } from '../../src/core/request.ts';
import { createSqliteStore } from '../../src/core/store/sqlite.ts';
import { toAsyncStore } from '../../src/core/store/sqlite-async.ts';
import type { Store } from '../../src/core/store/types.ts';
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

export const BFL_KEY = 'bfl_test_key_0123456789';
export const GATEWAY_KEY = 'sk-gateway-test-123';
/** The gateway's names for our models, spelled out here rather than read from the config's defaults. */
export const GATEWAY_MODELS = {
  pro: 'flux.2-pro',
  max: 'flux.2-max',
  flex: 'flux.2-flex',
  'klein-4b': 'flux.2-klein-4b',
  'klein-9b': 'flux.2-klein-9b',
};

/** What every provider under test is built with: the test's dispatcher and logger. */
export type ProviderDeps = Pick<BflProviderOptions, 'dispatcher' | 'logger'>;

/** The native BFL provider against `baseUrl` (a fake BFL), with the test key unless `over` says otherwise. */
export function bflProvider(baseUrl: string, deps: ProviderDeps, over: Partial<BflProviderOptions> = {}) {
  return createBflProvider({ apiKey: BFL_KEY, baseUrl, catalog, ...deps, ...over });
}

/** The OpenAI-compatible gateway provider against `baseUrl` (a fake gateway), in its default dialect unless `over` says. */
export function gatewayProvider(
  baseUrl: string,
  deps: ProviderDeps,
  over: Partial<OpenAIImagesOptions> = {},
) {
  return createOpenAIImagesProvider({
    apiKey: GATEWAY_KEY,
    baseUrl,
    modelMap: GATEWAY_MODELS,
    catalog,
    ...deps,
    ...over,
  });
}

/** Which provider a core drives, and where its fake listens. */
export type ProviderUnderTest =
  | { kind: 'bfl'; url: string; webhookUrl?: string }
  | { kind: 'gateway'; url: string; dialect?: GatewayDialect };

function providerFor(target: ProviderUnderTest, deps: ProviderDeps, apiKey?: string): Provider {
  const key = apiKey ? { apiKey } : {};
  if (target.kind === 'gateway')
    return gatewayProvider(target.url, deps, {
      ...key,
      ...(target.dialect ? { dialect: target.dialect } : {}),
    });
  return bflProvider(target.url, deps, {
    ...key,
    ...(target.webhookUrl ? { webhookUrl: target.webhookUrl } : {}),
  });
}

export interface CoreOptions {
  dbPath?: string;
  maxActive?: number;
  maxQueuedPerUser?: number;
  apiKey?: string;
  /** Where the core logs (default nowhere). */
  logger?: Logger;
  /** Platforms to record events for (default: cli). */
  platforms?: JobOrigin['platform'][];
  /** Production timings (the catalog's typical times, position updates every 300 ms): benches, crash child. */
  productionLatency?: boolean;
  /** Generation time the poller expects before it learns (test default 50 ms). */
  typicalMs?: number;
  confirmTtlMs?: number;
  /** How often the balance is looked at while out of credits (default: production's 1 s, 2 s, 4 s …). */
  creditCheck?: { firstMs: number; maxMs: number };
}

/** The jobs service as every test builds it: the real catalog and price table over `store` and `provider`. */
/** The jobs service over a SQLite store (tests keep reading the file synchronously; the core sees the async port). */
export function testJobs(
  store: Store,
  provider: JobsOptions['provider'],
  options: Omit<JobsOptions, 'store' | 'provider' | 'catalog' | 'prices'>,
) {
  return createJobs({ store: toAsyncStore(store), provider, catalog, prices: DEFAULT_PRICES, ...options });
}

/** The core against a fake: a fake BFL itself (the native provider), or a provider named with its fake. */
export function buildCore(fake: Pick<FakeBfl, 'url'> | ProviderUnderTest, options: CoreOptions = {}) {
  const dbPath = options.dbPath ?? tempDb();
  const store = createSqliteStore(dbPath);
  const http = createHttp();
  const logger = options.logger ?? silentLogger();
  const target: ProviderUnderTest = 'kind' in fake ? fake : { kind: 'bfl', url: fake.url };
  const provider = providerFor(target, { dispatcher: http.dispatcher, logger }, options.apiKey);
  const jobs = testJobs(store, provider, {
    maxActive: options.maxActive ?? 24,
    maxQueuedPerUser: options.maxQueuedPerUser ?? 1000,
    ...(options.confirmTtlMs ? { confirmTtlMs: options.confirmTtlMs } : {}),
    ...(options.creditCheck ? { creditCheck: options.creditCheck } : {}),
    logger,
    // The fake generates in tens of milliseconds: start the poller's guess there, and send places quickly.
    ...(options.productionLatency
      ? {}
      : { typicalMs: () => options.typicalMs ?? 50, positionDebounceMs: 10 }),
  });
  const events: JobEvent[] = [];
  const settled = new Map<string, (e: JobEvent) => void>();
  const waiters = new Map<string, Promise<JobEvent>>();
  const FINAL = ['ready', 'failed', 'cancelled', 'needs_review'];
  for (const platform of options.platforms ?? ['cli'])
    jobs.attach(platform, {
      async handle(event) {
        events.push(event);
        if (FINAL.includes(event.type)) settled.get(event.job.id)?.(event);
      },
    });
  let closed: Promise<void> | undefined;
  return {
    dbPath,
    store,
    provider,
    jobs,
    events,
    /** Resolves with the job's final event. */
    done(jobId: string): Promise<JobEvent> {
      let p = waiters.get(jobId);
      if (!p) {
        const already = events.find((e) => e.job.id === jobId && FINAL.includes(e.type));
        p = already ? Promise.resolve(already) : new Promise((resolve) => settled.set(jobId, resolve));
        waiters.set(jobId, p);
      }
      return p;
    },
    close(): Promise<void> {
      closed ??= (async () => {
        await jobs.stop();
        await http.close();
        store.close();
      })();
      return closed;
    },
  };
}

export type Core = ReturnType<typeof buildCore>;

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
