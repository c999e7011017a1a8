/**
 * One pino root logger; child loggers per job (`jobId`, platform, user). Secrets are redacted by path
 * wherever they could appear, and never interpolated into messages in the first place.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  '*.apiKey',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.publicKey',
  '*.authorization',
  '*.Authorization',
  '*["x-key"]',
  '*.headers["x-key"]',
  '*.headers.authorization',
  'headers["x-key"]',
  'headers.authorization',
  'config.bflApiKey',
  'config.openaiApiKey',
  'config.discord.token',
  'config.slack.botToken',
  'config.slack.appToken',
  'config.slack.signingSecret',
  'interactionToken',
  '*.interactionToken',
  // Discord REST errors carry the request URL (interaction routes embed the interaction token).
  'err.url',
  'err.requestBody',
  // Slack Web API request errors wrap the HTTP client's error, request headers included.
  'err.original.config.headers.Authorization',
  'err.original.config.headers.authorization',
  'err.original.request',
  'err.config.headers.Authorization',
  'err.config.headers.authorization',
];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { app: 'flux-bot' },
    },
    options.destination,
  );
}

/** A logger that writes nothing, for tests and benches. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
