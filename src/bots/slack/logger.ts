/**
 * bolt and its clients log through our pino logger (the @slack/logger Logger interface). bolt hands us
 * loose arguments, not objects pino's path redaction can see, so token-shaped strings are scrubbed here
 * before they reach a log line.
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../core/logger.ts';

// xoxb- (bot), xoxp- (user), xoxa-/xoxr- (rotated), xapp- (app-level) tokens, and Bearer credentials.
const SECRET = /\b(?:xox[abeoprs]|xapp)-[A-Za-z0-9-]+|\bBearer\s+[A-Za-z0-9._~+/=-]+/g;

export function scrubSecrets(text: string): string {
  return text.replace(SECRET, '[redacted]');
}

export function slackLogger(logger: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) =>
    scrubSecrets(
      msg
        .map((m) => {
          if (typeof m === 'string') return m;
          if (m instanceof Error) return `${m.name}: ${m.message}`;
          try {
            return JSON.stringify(m);
          } catch {
            return String(m);
          }
        })
        .join(' '),
    );
  // bolt and its Web API client log at debug several times per request: a line pino would drop costs
  // no serialising or scrubbing.
  const write = (at: 'debug' | 'info' | 'warn' | 'error', msg: unknown[]) => {
    if (logger.isLevelEnabled(at)) logger[at]({ from: 'bolt' }, text(msg));
  };
  return {
    debug: (...msg) => write('debug', msg),
    info: (...msg) => write('info', msg),
    warn: (...msg) => write('warn', msg),
    error: (...msg) => write('error', msg),
    // pino's level decides what is written; bolt may still ask for its own.
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
