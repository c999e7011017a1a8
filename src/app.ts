/**
 * The composition root: config → store → provider → jobs → commands → bots → HTTP server. Tests and
 * benches build the same app against loopback fakes by passing a different config.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { mountBflWebhook } from './bfl-webhook.ts';
import { type CliOutput, createCliFactory } from './bots/cli/context.ts';
import type { ContextFactory } from './commands/context.ts';
import { createFluxCommands, type FluxCommands } from './commands/flux/run.ts';
import { createFluxSink, createLiveContexts, type LiveContexts } from './commands/flux/sink.ts';
import { budgetWarnings } from './commands/usage.ts';
import type { Config } from './config.ts';
import { budgetStates } from './core/budgets.ts';
import type { JobEvent, JobsService, JobView, Platform } from './core/job-types.ts';
import { createJobs } from './core/jobs.ts';
import type { Logger } from './core/logger.ts';
import { createCatalog } from './core/models.ts';
import { createBflProvider } from './core/providers/bfl.ts';
import { createHttp } from './core/providers/http.ts';
import { createOpenAIImagesProvider } from './core/providers/openai-images.ts';
import type { Provider } from './core/providers/types.ts';
import { createSqliteStore } from './core/store/sqlite.ts';
import { createHttpServer, type HttpServer } from './http-server.ts';

/** A chat platform's bot: built with the shared pieces, it serves one platform's jobs. */
export interface FrontEnd {
  platform: Platform;
  factory: ContextFactory;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface FrontEndDeps {
  /** The /flux use case; a getter because the bots are built before it (it needs their factories). */
  flux: () => FluxCommands;
  http: HttpServer;
  logger: Logger;
  jobs: JobsService;
  /** The shared undici dispatcher (timeouts, connection pool) for platform API calls. */
  dispatcher: Dispatcher;
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
}

export interface App {
  jobs: JobsService;
  flux: FluxCommands;
  live: LiveContexts;
  http: HttpServer;
  provider: Provider;
  /** Resolves with the job once it is delivered, failed, cancelled or needs review. */
  settled(jobId: string): Promise<JobView>;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

const TERMINAL = new Set<JobEvent['type']>(['failed', 'cancelled', 'needs_review']);

export async function createApp(options: AppOptions): Promise<App> {
  const { config, logger } = options;
  const catalog = createCatalog(config.modelPaths);
  mkdirSync(config.dataDir, { recursive: true });
  const store = createSqliteStore(options.dbPath ?? join(config.dataDir, 'flux.db'));
  const http = createHttp();
  const provider = createProvider(config, catalog, http.dispatcher, logger);
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
  const flux = createFluxCommands({ jobs, catalog, prices: config.prices, logger, live, settings: store });
  const sink = createFluxSink({
    catalog,
    live,
    logger,
    saveDelivery: (id, patch) => jobs.updateDelivery(id, patch),
    warnings: (job) => {
      const settings = job.origin.workspaceId
        ? store.getSettings(job.origin.platform, job.origin.workspaceId)
        : undefined;
      return settings
        ? budgetWarnings(budgetStates(settings, job.origin, store, Date.now()), Date.now())
        : [];
    },
  });

  const waiters = new Map<string, Array<(job: JobView) => void>>();
  const settle = (job: JobView) => {
    for (const resolve of waiters.get(job.id) ?? []) resolve(job);
    waiters.delete(job.id);
  };
  const attach = (platform: Platform) =>
    jobs.attach(platform, {
      async handle(event) {
        await sink.handle(event);
        if (event.type === 'ready') settle({ ...event.job, state: 'delivered' });
        else if (
          TERMINAL.has(event.type) &&
          (event.type !== 'needs_review' || event.job.state === 'needs_review')
        )
          settle(event.job);
      },
    });

  const server = createHttpServer(logger, () => ({ provider: config.provider }));
  if (config.provider === 'bfl' && config.bflWebhookUrl) mountBflWebhook(server, { store, jobs, logger });
  const bots: FrontEnd[] = [];
  for (const make of options.frontEnds ?? []) {
    const bot = make({ flux: () => flux, http: server, logger, jobs, dispatcher: http.dispatcher });
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
    flux,
    live,
    http: server,
    provider,
    settled(jobId) {
      const job = jobs.get(jobId);
      if (job && ['delivered', 'failed', 'cancelled', 'needs_review'].includes(job.state))
        return Promise.resolve(job);
      return new Promise((resolve) => waiters.set(jobId, [...(waiters.get(jobId) ?? []), resolve]));
    },
    async start() {
      for (const bot of bots) await bot.start();
      let port = 0;
      if (!options.cli) {
        port = await server.listen(config.port, config.host);
        listening = true;
      }
      await jobs.start();
      return { port };
    },
    async stop() {
      await jobs.stop();
      for (const bot of bots)
        await bot.stop().catch((err: unknown) => logger.warn({ err }, 'bot stop failed'));
      if (listening) await server.close();
      await http.close();
      store.close();
    },
  };
}

function createProvider(
  config: Config,
  catalog: ReturnType<typeof createCatalog>,
  dispatcher: Dispatcher,
  logger: Logger,
): Provider {
  if (config.provider === 'openai') {
    return createOpenAIImagesProvider({
      baseUrl: config.openaiBaseUrl as string,
      apiKey: config.openaiApiKey as string,
      modelMap: config.openaiModelMap,
      catalog,
      dispatcher,
      logger,
    });
  }
  return createBflProvider({
    apiKey: config.bflApiKey as string,
    baseUrl: config.bflApiBase,
    catalog,
    dispatcher,
    logger,
    ...(config.bflWebhookUrl ? { webhookUrl: config.bflWebhookUrl } : {}),
  });
}
