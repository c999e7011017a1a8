/**
 * The composition root: config → store → provider → jobs → commands → bots → HTTP server. Tests and
 * benches build the same app against loopback fakes by passing a different config.
 */
import { basename, dirname, join } from 'node:path';
import type { Dispatcher } from 'undici';
import { mountBflWebhook } from './bfl-webhook.ts';
import { type CliOutput, createCliFactory } from './bots/cli/context.ts';
import { type Commands, createCommands } from './commands/commands.ts';
import type { ContextFactory } from './commands/context.ts';
import { createFluxSink } from './commands/flux/sink.ts';
import { createLiveContexts } from './commands/live-contexts.ts';
import type { Config } from './config.ts';
import { UndeliverableError } from './core/errors.ts';
import type { JobEvent, JobsService, JobView, Platform } from './core/job-types.ts';
import { createJobs } from './core/jobs.ts';
import type { Logger } from './core/logger.ts';
import { createMetrics } from './core/metrics.ts';
import { createCatalog, narrowCatalog } from './core/models.ts';
import { createHttp } from './core/providers/http.ts';
import { lockDataDir, prepareDataDir } from './core/store/data-dir.ts';
import { startHistoryFolding } from './core/store/history-folding.ts';
import type { AsyncStore } from './core/store/port.ts';
import { createSqliteStore } from './core/store/sqlite.ts';
import { toAsyncStore } from './core/store/sqlite-async.ts';
import { createHttpServer, type HttpServer } from './http-server.ts';
import { metricsRoute } from './metrics-route.ts';
import { createProvider } from './provider-from-config.ts';
import { createSettledJobs } from './settled-jobs.ts';

/** A chat platform's bot: built with the shared pieces, it serves one platform's jobs. */
export interface FrontEnd {
  platform: Platform;
  factory: ContextFactory;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface FrontEndDeps {
  /** The command table; a getter because the bots are built before it (it needs their factories). */
  commands: () => Commands;
  http: HttpServer;
  logger: Logger;
  jobs: JobsService;
  /** The shared undici dispatcher (timeouts, connection pool) for platform API calls. */
  dispatcher: Dispatcher;
  /** Store.claimOnce: a platform request id acted on once, durably (replays start nothing twice). */
  claimOnce: (key: string, expiresAt: number) => Promise<boolean>;
  /** Deadlines of platform calls: a call that never returns must not hold a delivery (or start-up). */
  timeouts: PlatformTimeouts;
}

export interface PlatformTimeouts {
  apiMs: number;
  uploadMs: number;
}

export interface AppOptions {
  config: Config;
  logger: Logger;
  /** The bots to run (main.ts picks them from the configuration). */
  frontEnds?: Array<(deps: FrontEndDeps) => FrontEnd>;
  /** The command line as a front end, writing to this output. */
  cli?: CliOutput;
  /** SQLite file; default `${dataDir}/flux.db`. */
  dbPath?: string;
  /** How often the store checks its file and returns free pages (default 5 s). */
  storeUpkeepMs?: number;
}

export interface App {
  jobs: JobsService;
  commands: Commands;
  http: HttpServer;
  /** Resolves with the job once it is delivered, failed, cancelled, needs review or is undeliverable. */
  settled(jobId: string): Promise<JobView>;
  start(): Promise<{ port: number }>;
  /**
   * Drains and stops: readiness answers 503 at once, new commands are still stored (queued for the
   * next start), deliveries under way get `graceMs` (FLUX_STOP_GRACE_SECONDS), submitted tasks are
   * left for the next start to resume.
   */
  stop(graceMs?: number): Promise<void>;
}

const TERMINAL = new Set<JobEvent['type']>(['failed', 'cancelled', 'needs_review']);

export async function createApp(options: AppOptions): Promise<App> {
  const { config, logger } = options;
  const dbPath = options.dbPath ?? join(config.dataDir, 'flux.db');
  prepareDataDir(dirname(dbPath));
  // One process per database file: a second would resume the same tasks and post every image twice.
  // Per file, so the CLI (its own cli.db) runs beside the bot.
  const lock = lockDataDir(dirname(dbPath), basename(dbPath).replace(/\.db$/, ''));
  // Embedded mode: the SQLite file (its upkeep, health and lock stay with it) behind the async port,
  // which is all the rest of the app sees.
  let store: AsyncStore;
  try {
    store = toAsyncStore(
      createSqliteStore(dbPath, {
        logger,
        ...(options.storeUpkeepMs ? { upkeepEveryMs: options.storeUpkeepMs } : {}),
      }),
    );
  } catch (err) {
    lock.release();
    throw new Error(`DATA_DIR ${dirname(dbPath)}: cannot open the database ${dbPath}: ${String(err)}`, {
      cause: err,
    });
  }
  const http = createHttp();
  const metrics = createMetrics({ load: () => jobs.load() });
  const provider = metrics.instrument(
    createProvider(config, createCatalog(config.modelPaths), http.dispatcher, logger),
  );
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
  });

  const restore: Partial<Record<Platform, ContextFactory>> = {};
  const live = createLiveContexts(restore, logger);
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
  });

  const ended = createSettledJobs(jobs);
  const settle = ended.ended;
  const attach = (platform: Platform) =>
    jobs.attach(platform, {
      async handle(event) {
        metrics.jobEvent(event);
        const readyAt = Date.now();
        try {
          await sink.handle(event);
        } catch (err) {
          if (err instanceof UndeliverableError) {
            metrics.delivered(event.job, 'undeliverable', readyAt);
            settle({ ...event.job, state: 'undeliverable' });
          } else metrics.platformError(platform);
          throw err;
        }
        if (event.type === 'ready') {
          metrics.delivered(event.job, 'delivered', readyAt);
          settle({ ...event.job, state: 'delivered' });
        } else if (
          TERMINAL.has(event.type) &&
          (event.type !== 'needs_review' || event.job.state === 'needs_review')
        )
          settle(event.job);
      },
    });

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
  let stopFolding = () => {};
  if (config.provider === 'bfl' && config.bflWebhookUrl) mountBflWebhook(server, { store, jobs, logger });
  const bots: FrontEnd[] = [];
  for (const make of options.frontEnds ?? []) {
    const bot = make({
      commands: () => commands,
      http: server,
      logger,
      jobs,
      dispatcher: http.dispatcher,
      claimOnce: (key, expiresAt) => store.claimOnce(key, expiresAt),
      timeouts: { apiMs: config.platformTimeoutMs, uploadMs: config.uploadTimeoutMs },
    });
    restore[bot.platform] = bot.factory;
    bots.push(bot);
    attach(bot.platform);
  }
  if (options.cli) {
    restore.cli = createCliFactory(options.cli);
    attach('cli');
  }

  let listening = false;
  return {
    jobs,
    commands,
    http: server,
    settled: ended.settled,
    async start() {
      for (const bot of bots) await bot.start();
      let port = 0;
      if (!options.cli) {
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
        for (const bot of bots)
          await bot.stop().catch((err: unknown) => logger.warn({ err }, 'bot stop failed'));
        if (listening) await server.close();
        await http.close();
      } finally {
        await store.close();
        lock.release();
      }
    },
  };
}
