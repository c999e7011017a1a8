/**
 * What a front end (Discord, Slack, the command line) is to the app. It is made in two steps because
 * the commands need every front end's context factory (to rebuild a job's context after a restart),
 * and a front end's listeners need the commands: `make(deps)` gives the platform clients and the
 * factory, `serve(...)` then registers the routes and listeners with the finished command table.
 */
import type { Dispatcher } from 'undici';
import type { Commands } from './commands/commands.ts';
import type { ContextFactory } from './commands/context.ts';
import type { JobView, Platform } from './core/job-types.ts';
import type { Logger } from './core/logger.ts';
import type { HttpServer } from './http-server.ts';

export interface FrontEnd {
  platform: Platform;
  /** Rebuilds the context of one of this platform's jobs from its stored delivery record. */
  factory: ContextFactory;
  /** Registers the routes, listeners and gateway handlers that turn payloads into commands. */
  serve(commands: Commands, http: HttpServer): Serving;
  /** One of this platform's jobs ended: delivered, failed, cancelled, needs review or undeliverable. */
  ended?(job: JobView): void;
}

export interface Serving {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface FrontEndDeps {
  logger: Logger;
  /** The shared undici dispatcher (timeouts, connection pool) for platform API calls. */
  dispatcher: Dispatcher;
  /** For links members gave: a name that resolves inside a network is refused (createHttp). */
  links: Dispatcher;
  /** Store.claimOnce: a platform request id acted on once, durably (replays start nothing twice). */
  claimOnce: (key: string, expiresAt: number) => Promise<boolean>;
  /** Deadlines of platform calls: a call that never returns must not hold a delivery (or start-up). */
  timeouts: PlatformTimeouts;
  /** A stored job as it stands (the CLI reads how a job ended that ended before it asked). */
  job: (id: string) => Promise<JobView | undefined>;
}

export interface PlatformTimeouts {
  apiMs: number;
  uploadMs: number;
}

export type MakeFrontEnd = (deps: FrontEndDeps) => FrontEnd;
