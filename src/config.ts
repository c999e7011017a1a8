/**
 * The only reader of process.env. Validates everything at once and reports every problem together:
 * the variable, what is wrong, and an example value. Nothing secret is ever echoed back.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { defaultGatewayNames, type Problem, parseModelMap, parsePrices } from './config-values.ts';
import { FluxError } from './core/errors.ts';
import type { ModelId } from './core/models.ts';
import type { PriceTable } from './core/pricing.ts';
import { GATEWAY_DIALECTS, type GatewayDialect } from './core/providers/openai-wire.ts';

export type { Problem };

export class ConfigError extends FluxError {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super('CONFIG_INVALID', `configuration: ${problems.map((p) => `${p.name}: ${p.problem}`).join('; ')}`);
    this.problems = problems;
  }
}

export type Need = 'bot' | 'cli' | 'register';

/** Loads `.env` into process.env when the file exists; variables already set win. */
export function loadDotEnv(path: string): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/**
 * The configuration of this process (`.env`, then the environment), or undefined after printing every
 * problem to stderr — one line each, no stack trace. Entry points choose their exit code.
 */
export function configFromEnvironment(need: Need): Config | undefined {
  loadDotEnv('.env');
  try {
    return loadConfig(process.env, need);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(formatProblems(err));
    return undefined;
  }
}

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

type Env = Record<string, string | undefined>;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const url = (example: string) => ({ schema: z.url({ protocol: /^https?$/ }), example });

export function loadConfig(env: Env, need: Need = 'bot'): Config {
  const problems: Problem[] = [];
  const read = <T>(name: string, schema: z.ZodType<T>, example: string, fallback?: T): T | undefined => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    problems.push({ name, problem: parsed.error.issues[0]?.message ?? 'invalid value', example });
    return fallback;
  };
  // A value that is set but wrong is already listed; "required" on top of it would say it twice.
  const missing = (name: string, problem: string, example: string) => {
    if (!problems.some((p) => p.name === name)) problems.push({ name, problem, example });
  };

  const provider = read('FLUX_PROVIDER', z.enum(['bfl', 'openai']), 'bfl', 'bfl') ?? 'bfl';
  const bflApiKey = read('BFL_API_KEY', z.string().min(8, 'too short to be a key'), 'bfl_xxxxxxxxxxxxxxxx');
  const bflApiBase = stripSlash(
    read('BFL_API_BASE', url('').schema, 'https://api.eu.bfl.ai', 'https://api.bfl.ai') ??
      'https://api.bfl.ai',
  );
  const bflWebhookUrl = read('BFL_WEBHOOK_URL', url('').schema, 'https://flux-bot.example.com');
  const openaiBaseUrl = read('OPENAI_IMAGES_BASE_URL', url('').schema, 'https://api.apiyi.com/v1');
  const openaiDialect =
    read('OPENAI_IMAGES_DIALECT', z.enum(GATEWAY_DIALECTS, 'seed or openai'), 'seed', 'seed') ?? 'seed';
  const openaiApiKey = read(
    'OPENAI_IMAGES_API_KEY',
    z.string().min(8, 'too short to be a key'),
    'sk-xxxxxxxx',
  );
  const openaiModelMap = parseModelMap(
    env.OPENAI_IMAGES_MODEL_MAP,
    problems,
    'OPENAI_IMAGES_MODEL_MAP',
    defaultGatewayNames(),
  );
  const modelPaths = parseModelMap(env.FLUX_MODEL_PATHS, problems, 'FLUX_MODEL_PATHS', {});
  const prices = parsePrices(env.FLUX_PRICES, env.FLUX_PRICE_ROUNDING, problems);

  if (need !== 'register') {
    if (provider === 'bfl' && !bflApiKey) {
      missing(
        'BFL_API_KEY',
        'required with FLUX_PROVIDER=bfl: your key from https://dashboard.bfl.ai',
        'bfl_xxxxxxxxxxxxxxxx',
      );
    }
    if (provider === 'openai') {
      if (!openaiBaseUrl)
        missing('OPENAI_IMAGES_BASE_URL', 'required with FLUX_PROVIDER=openai', 'https://api.apiyi.com/v1');
      if (!openaiApiKey)
        missing('OPENAI_IMAGES_API_KEY', 'required with FLUX_PROVIDER=openai', 'sk-xxxxxxxx');
    }
  }

  const int = (min: number, max: number) =>
    z.coerce
      .number()
      .int(`a whole number from ${min} to ${max}`)
      .min(min, `at least ${min}`)
      .max(max, `at most ${max}`);
  const maxActive = read('FLUX_MAX_ACTIVE', int(1, 1000), '24', 24) ?? 24;
  const maxQueuedPerUser = read('FLUX_MAX_QUEUED_PER_USER', int(1, 1000), '8', 8) ?? 8;
  const port = read('PORT', int(0, 65535), '3000', 3000) ?? 3000;
  const host = env.HOST?.trim() || '0.0.0.0';
  const logLevel = read('LOG_LEVEL', z.enum(LEVELS), 'info', 'info') ?? 'info';
  const dataDir = env.DATA_DIR?.trim() || './data';
  // At least the longest budget window (a month) and the 30-day usage chart, with a margin.
  const historyDays = read('FLUX_HISTORY_DAYS', int(35, 36_500), '90', 90) ?? 90;
  const stopGraceSeconds = read('FLUX_STOP_GRACE_SECONDS', int(1, 3_600), '20', 20) ?? 20;
  const metricsToken = read(
    'METRICS_TOKEN',
    z.string().min(16, 'at least 16 characters'),
    'a-long-random-string',
  );
  const platformTimeoutMs = read('PLATFORM_TIMEOUT_MS', int(1_000, 600_000), '30000', 30_000) ?? 30_000;
  const uploadTimeoutMs =
    read('PLATFORM_UPLOAD_TIMEOUT_MS', int(1_000, 1_800_000), '120000', 120_000) ?? 120_000;

  const config: Config = {
    provider,
    bflApiBase,
    openaiDialect,
    openaiModelMap,
    modelPaths,
    prices,
    maxActive,
    maxQueuedPerUser,
    dataDir,
    port,
    host,
    logLevel,
    historyDays,
    stopGraceMs: stopGraceSeconds * 1000,
    platformTimeoutMs,
    uploadTimeoutMs,
  };
  if (metricsToken) config.metricsToken = metricsToken;
  if (bflApiKey) config.bflApiKey = bflApiKey;
  if (bflWebhookUrl) config.bflWebhookUrl = stripSlash(bflWebhookUrl);
  if (openaiBaseUrl) config.openaiBaseUrl = stripSlash(openaiBaseUrl);
  if (openaiApiKey) config.openaiApiKey = openaiApiKey;

  // Discord
  const discordToken = read(
    'DISCORD_TOKEN',
    z.string().min(20, 'too short to be a bot token'),
    'MTA5...your bot token',
  );
  const applicationId = read(
    'DISCORD_APPLICATION_ID',
    z.string().regex(/^\d{17,20}$/, 'a numeric application id'),
    '1098765432109876543',
  );
  const publicKey = read(
    'DISCORD_PUBLIC_KEY',
    z.string().regex(/^[0-9a-f]{64}$/i, '64 hex characters'),
    'a1b2…(64 hex)',
  );
  const mode = read('DISCORD_MODE', z.enum(['gateway', 'http']), 'gateway', 'gateway') ?? 'gateway';
  const guildId = read(
    'DISCORD_GUILD_ID',
    z.string().regex(/^\d{17,20}$/, 'a numeric guild id'),
    '1098765432109876543',
  );
  const discordApiBase = stripSlash(
    read('DISCORD_API_BASE', url('').schema, 'https://discord.com/api', 'https://discord.com/api') ??
      'https://discord.com/api',
  );
  if (discordToken || applicationId) {
    if (!discordToken)
      missing('DISCORD_TOKEN', 'required when Discord is configured', 'MTA5...your bot token');
    if (!applicationId)
      missing('DISCORD_APPLICATION_ID', 'required when Discord is configured', '1098765432109876543');
    if (mode === 'http' && !publicKey)
      missing('DISCORD_PUBLIC_KEY', 'required with DISCORD_MODE=http', 'a1b2…(64 hex)');
    if (discordToken && applicationId) {
      config.discord = { token: discordToken, applicationId, mode, apiBase: discordApiBase };
      if (publicKey) config.discord.publicKey = publicKey;
      if (guildId) config.discord.guildId = guildId;
    }
  }

  // Slack
  const botToken = read('SLACK_BOT_TOKEN', z.string().startsWith('xoxb-', 'starts with xoxb-'), 'xoxb-…');
  const signingSecret = read(
    'SLACK_SIGNING_SECRET',
    z.string().min(16, 'too short to be a signing secret'),
    '8f742231b10e8888abcd99yyyzzz85a5',
  );
  const appToken = read('SLACK_APP_TOKEN', z.string().startsWith('xapp-', 'starts with xapp-'), 'xapp-…');
  const slackApiUrl =
    read('SLACK_API_URL', url('').schema, 'https://slack.com/api/', 'https://slack.com/api/') ??
    'https://slack.com/api/';
  if (botToken || signingSecret || appToken) {
    if (!botToken) missing('SLACK_BOT_TOKEN', 'required when Slack is configured', 'xoxb-…');
    if (!appToken && !signingSecret) {
      missing(
        'SLACK_SIGNING_SECRET',
        'required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
        '8f742231b10e8888abcd99yyyzzz85a5',
      );
    }
    if (botToken && (appToken || signingSecret)) {
      const adminUsers = (env.FLUX_ADMIN_USERS ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      config.slack = {
        botToken,
        apiUrl: slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/`,
        adminUsers,
      };
      if (signingSecret) config.slack.signingSecret = signingSecret;
      if (appToken) config.slack.appToken = appToken;
    }
  }

  if (
    need === 'bot' &&
    !config.discord &&
    !config.slack &&
    !problems.some((p) => p.name.startsWith('DISCORD_') || p.name.startsWith('SLACK_'))
  ) {
    missing(
      'DISCORD_TOKEN',
      'no platform configured: set DISCORD_TOKEN and DISCORD_APPLICATION_ID for Discord',
      'MTA5...your bot token',
    );
    missing(
      'SLACK_BOT_TOKEN',
      'no platform configured: or set SLACK_BOT_TOKEN and SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET) for Slack',
      'xoxb-…',
    );
  }
  if (need === 'register' && !config.discord) {
    if (!discordToken) missing('DISCORD_TOKEN', 'required to register commands', 'MTA5...your bot token');
    if (!applicationId)
      missing('DISCORD_APPLICATION_ID', 'required to register commands', '1098765432109876543');
  }

  if (problems.length) throw new ConfigError(onePerVariable(problems));
  return config;
}

/** The list of problems as people read it at start-up: one line each, no stack trace. */
export function formatProblems(err: ConfigError): string {
  const lines = err.problems.map((p) => `  ${p.name.padEnd(26)} ${p.problem} (e.g. ${p.example})`);
  return `flux-bot cannot start. Set these in .env (see .env.example):\n${lines.join('\n')}\n`;
}

function stripSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

/** One line per variable: several problems with one value (two bad model pairs) share its line. */
function onePerVariable(problems: Problem[]): Problem[] {
  const byName = new Map<string, Problem>();
  for (const p of problems) {
    const first = byName.get(p.name);
    if (!first) byName.set(p.name, { ...p });
    else if (!first.problem.split('; ').includes(p.problem)) first.problem += `; ${p.problem}`;
  }
  return [...byName.values()];
}
