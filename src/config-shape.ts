/** What the configuration holds once every variable is read and checked (config.ts builds it). */
import type { ModelId } from './core/models.ts';
import type { PriceTable } from './core/pricing.ts';
import type { GatewayDialect } from './core/providers/openai-wire.ts';

export interface Config {
  provider: 'bfl' | 'openai';
  bflApiKey?: string;
  bflApiBase: string;
  /** The bot's public base URL: BFL calls `{it}/bfl/webhook` when a task is done. */
  bflWebhookUrl?: string;
  openaiBaseUrl?: string;
  openaiApiKey?: string;
  /** The request shapes the gateway speaks: the seed article's (default) or OpenAI's own images API. */
  openaiDialect: GatewayDialect;
  /** Our model id → the gateway's model name. */
  openaiModelMap: Record<ModelId, string>;
  modelPaths: Partial<Record<ModelId, string>>;
  prices: PriceTable;
  maxActive: number;
  maxQueuedPerUser: number;
  dataDir: string;
  port: number;
  host: string;
  logLevel: string;
  /** Finished jobs older than this are folded into daily totals and deleted (FLUX_HISTORY_DAYS). */
  historyDays: number;
  /** On SIGTERM/SIGINT, how long deliveries under way may take before the process exits. */
  stopGraceMs: number;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Deadline of one chat-platform API call (Slack Web API, Discord REST). */
  platformTimeoutMs: number;
  /** Deadline of one file upload to a chat platform. */
  uploadTimeoutMs: number;
  /**
   * Distributed mode (DATABASE_URL and REDIS_URL): Postgres holds the store and ledger, BullMQ on
   * Redis the provider's slots, shared by every process. Absent: embedded mode (SQLite, in-process).
   */
  distributed?: { databaseUrl: string; redisUrl: string };
  /** `worker`: no front end is served (queue work and deliveries only). Default `all`. */
  role: 'all' | 'worker';
  discord?: {
    token: string;
    applicationId: string;
    publicKey?: string;
    mode: 'gateway' | 'http';
    guildId?: string;
    apiBase: string;
  };
  slack?: {
    botToken: string;
    signingSecret?: string;
    appToken?: string;
    apiUrl: string;
    /** Users who may run `/flux admin` besides workspace admins and owners. */
    adminUsers: string[];
  };
}
