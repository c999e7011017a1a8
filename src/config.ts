/**
 * The only reader of process.env. Validates everything at once and reports every problem together:
 * the variable, what is wrong, and an example value. Nothing secret is ever echoed back.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { readDistributed } from './config-distributed.ts';
import type { Config } from './config-shape.ts';
import {
  ConfigError,
  defaultGatewayNames,
  formatProblems,
  onePerVariable,
  type Problem,
  parseModelMap,
  parsePrices,
  platformProblems,
  stripSlash,
} from './config-values.ts';

export { ConfigError, formatProblems } from './config-values.ts';

import { GATEWAY_DIALECTS } from './core/providers/openai-wire.ts';

export type { Config } from './config-shape.ts';
export type { Problem };

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

  const { distributed, role } = readDistributed(read, missing);

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
    role,
  };
  if (distributed) config.distributed = distributed;
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

  problems.push(...platformProblems(need, config, problems, { discordToken, applicationId }));
  if (problems.length) throw new ConfigError(onePerVariable(problems));
  return config;
}
