/**
 * The composition root, in the order things are made: store → provider → jobs → front ends (their
 * context factories) → live contexts → commands → sink → HTTP server → front ends served. Tests and
 * benches build the same app against loopback fakes by passing a different config.
 */
import { basename, dirname, join } from 'node:path';
import { mountBflWebhook } from './bfl-webhook.ts';
import { type Commands, createCommands } from './commands/commands.ts';
import { createFluxSink } from './commands/flux/sink.ts';
import { createLiveContexts } from './commands/live-contexts.ts';
import type { Config } from './config.ts';
import { UndeliverableError } from './core/errors.ts';
import type { JobEvent, JobSink, JobsService, JobView } from './core/job-types.ts';
import { createJobs, type JobsOptions } from './core/jobs.ts';
import type { Logger } from './core/logger.ts';
import { createMetrics, type Metrics } from './core/metrics.ts';
import { createCatalog, narrowCatalog } from './core/models.ts';
import { createHttp } from './core/providers/http.ts';
import { createBullmqScheduler } from './core/queue/bullmq-scheduler.ts';
import { redisOptions } from './core/queue/redis-url.ts';
import { createWakeChannel } from './core/queue/wake-channel.ts';
import { lockDataDir, prepareDataDir } from './core/store/data-dir.ts';
import { startHistoryFolding } from './core/store/history-folding.ts';
import type { AsyncStore } from './core/store/port.ts';
import { createPostgresStore } from './core/store/postgres.ts';
import { createAdvisoryLocks } from './core/store/postgres-locks.ts';
import { createSqliteStore } from './core/store/sqlite.ts';
import { toAsyncStore } from './core/store/sqlite-async.ts';
import type { FrontEnd, FrontEndDeps, MakeFrontEnd } from './front-end.ts';
import { createHttpServer, type HttpServer } from './http-server.ts';
import { metricsRoute } from './metrics-route.ts';
import { createProvider } from './provider-from-config.ts';

export interface AppOptions {
  config: Config;
  logger: Logger;
  /** The front ends to run (main.ts picks the bots from the configuration; cli.ts makes its own). */
  frontEnds?: MakeFrontEnd[];
  /** Whether the HTTP server listens (default true; the command line needs no port). */
  listen?: boolean;
  /** SQLite file; default `${dataDir}/flux.db`. */
  dbPath?: string;
  /** How often the store checks its file and returns free pages (default 5 s). */
  storeUpkeepMs?: number;
}

export interface App {
  jobs: JobsService;
  commands: Commands;
  http: HttpServer;
  start(): Promise<{ port: number }>;
  /**
   * Drains and stops: readiness answers 503 at once, new commands are still stored (queued for the
   * next start), deliveries under way get `graceMs` (FLUX_STOP_GRACE_SECONDS), submitted tasks are
   * left for the next start to resume.
   */
  stop(graceMs?: number): Promise<void>;
}

export async function createApp(options: AppOptions): Promise<App> {
  const { config, logger } = options;
  const { store, shared, close: closeStore } = await openStore(options);
  const http = createHttp();
  const metrics = createMetrics({ load: () => jobs.load() });
  const provider = metrics.instrument(createProvider(config, createCatalog(config.modelPaths), http, logger));
  // What users may ask for: the models' limits, narrowed by what the provider's wire format carries.
  const catalog = narrowCatalog(createCatalog(config.modelPaths), provider.limits);
  const jobs = createJobs({
    store,
    provider,
    catalog,
    prices: config.prices,
    maxActive: config.maxActive,
    maxQueuedPerUser: config.maxQueuedPerUser,
    logger,
    ...(shared ? { distributed: shared } : {}),
  });

  const deps: FrontEndDeps = {
    logger,
    dispatcher: http.dispatcher,
    links: http.links,
    claimOnce: (key, expiresAt) => store.claimOnce(key, expiresAt),
    timeouts: { apiMs: config.platformTimeoutMs, uploadMs: config.uploadTimeoutMs },
    job: (id) => jobs.get(id),
  };
  const frontEnds = (options.frontEnds ?? []).map((make) => make(deps));
  const live = createLiveContexts(
    Object.fromEntries(frontEnds.map((frontEnd) => [frontEnd.platform, frontEnd.factory])),
    logger,
  );
  const credits = provider.credits?.bind(provider);
  const commands = createCommands({
    jobs,
    catalog,
    prices: config.prices,
    logger,
    live,
    settings: store,
    ...(credits ? { credits } : {}),
  });
  const sink = createFluxSink({
    catalog,
    live,
    logger,
    saveDelivery: (id, patch) => jobs.updateDelivery(id, patch),
    settings: store,
    placeHolds: (job) => jobs.placeHolds(job),
  });
  for (const frontEnd of frontEnds) jobs.attach(frontEnd.platform, measured(sink, frontEnd, metrics));

  // Draining (SIGTERM): not ready, so a load balancer sends new work elsewhere; what still arrives is stored.
  let draining = false;
  const server = createHttpServer(logger, () => {
    const problems = store.health.problems();
    return {
      ready: problems.length === 0 && !draining,
      provider: config.provider,
      store: problems.length ? problems : 'ok',
      ...(draining ? { draining: true } : {}),
    };
  });
  server.route('GET', '/metrics', metricsRoute(metrics, config.metricsToken));
  if (config.provider === 'bfl' && config.bflWebhookUrl) mountBflWebhook(server, { store, jobs, logger });
  // A worker serves no front end: it runs tasks from the shared queue and delivers what it ran, through
  // the platforms' REST APIs (the clients and factories above), which need no connection of their own.
  const served =
    config.role === 'worker' ? [] : frontEnds.map((frontEnd) => frontEnd.serve(commands, server));

  let listening = false;
  let stopFolding = () => {};
  return {
    jobs,
    commands,
    http: server,
    async start() {
      for (const frontEnd of served) await frontEnd.start();
      let port = 0;
      if (options.listen ?? true) {
        port = await server.listen(config.port, config.host);
        listening = true;
      }
      await jobs.start();
      stopFolding = startHistoryFolding(store, config.historyDays, logger);
      return { port };
    },
    async stop(graceMs = config.stopGraceMs) {
      draining = true;
      stopFolding();
      try {
        await jobs.stop(graceMs);
        for (const frontEnd of served)
          await frontEnd.stop().catch((err: unknown) => logger.warn({ err }, 'bot stop failed'));
        if (listening) await server.close();
        await http.close();
      } finally {
        await closeStore();
      }
    },
  };
}

interface OpenedStore {
  store: AsyncStore;
  /** Distributed mode: the queue and the job locks every process shares. */
  shared?: NonNullable<JobsOptions['distributed']>;
  close(): Promise<void>;
}

/**
 * Distributed mode (DATABASE_URL and REDIS_URL): Postgres, with the BullMQ queue and the job locks that
 * go with it — never Postgres alone, whose processes would each run their own line against one
 * provider limit. Embedded mode: the SQLite file (its upkeep, health and lock stay with it).
 */
async function openStore(options: AppOptions): Promise<OpenedStore> {
  const { config, logger } = options;
  if (config.distributed) {
    const { databaseUrl, redisUrl } = config.distributed;
    const store = await createPostgresStore(databaseUrl, { logger });
    try {
      const connection = redisOptions(redisUrl);
      const onError = (err: unknown) => logger.warn({ err }, 'queue: Redis error');
      const queue = await createBullmqScheduler({ connection, maxActive: config.maxActive, onError });
      const wakes = await createWakeChannel(connection, 'flux-wakes', onError);
      const locks = createAdvisoryLocks(databaseUrl, logger);
      return {
        store,
        shared: { queue, locks, wakes },
        async close() {
          await Promise.allSettled([locks.close(), wakes.close(), store.close()]);
        },
      };
    } catch (err) {
      await store.close();
      throw new Error(`REDIS_URL: cannot open the queue: ${String(err)}`, { cause: err });
    }
  }
  const dbPath = options.dbPath ?? join(config.dataDir, 'flux.db');
  prepareDataDir(dirname(dbPath));
  // One process per database file: a second would resume the same tasks and post every image twice.
  // Per file, so the CLI (its own cli.db) runs beside the bot.
  const lock = lockDataDir(dirname(dbPath), basename(dbPath).replace(/\.db$/, ''));
  try {
    const upkeep = options.storeUpkeepMs ? { upkeepEveryMs: options.storeUpkeepMs } : {};
    const store = toAsyncStore(createSqliteStore(dbPath, { logger, ...upkeep }));
    return {
      store,
      async close() {
        await store.close();
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw new Error(`DATA_DIR ${dirname(dbPath)}: cannot open the database ${dbPath}: ${String(err)}`, {
      cause: err,
    });
  }
}

const TERMINAL = new Set<JobEvent['type']>(['failed', 'cancelled', 'needs_review']);

/** The sink for one front end's jobs, counted in the metrics; the front end hears how each job ended. */
function measured(sink: JobSink, frontEnd: FrontEnd, metrics: Metrics): JobSink {
  const ended = (job: JobView) => frontEnd.ended?.(job);
  return {
    async handle(event) {
      metrics.jobEvent(event);
      const readyAt = Date.now();
      try {
        await sink.handle(event);
      } catch (err) {
        if (err instanceof UndeliverableError) {
          metrics.delivered(event.job, 'undeliverable', readyAt);
          ended({ ...event.job, state: 'undeliverable' });
        } else metrics.platformError(frontEnd.platform);
        throw err;
      }
      if (event.type === 'ready') {
        metrics.delivered(event.job, 'delivered', readyAt);
        ended({ ...event.job, state: 'delivered' });
      } else if (
        TERMINAL.has(event.type) &&
        (event.type !== 'needs_review' || event.job.state === 'needs_review')
      )
        ended(event.job);
    },
  };
}
