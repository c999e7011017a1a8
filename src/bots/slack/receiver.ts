/**
 * POST /slack/events, answered by us instead of bolt's HTTPReceiver. In a burst the time to an ack is
 * the work queued on the event loop ahead of the next request, and bolt's receiver and middleware do a
 * lot per request before its listener can ack. Here a request costs a body read, one HMAC and a parse
 * before its answer:
 * - ssl_check: 200 (Slack sends it unsigned; nothing else in it is read);
 * - a bad signature or a timestamp more than 5 minutes off: 401; a malformed body: 400;
 * - url_verification: 200 with the challenge;
 * - a payload our listeners ack empty (listeners/quick-ack.ts): 200 at once, then bolt gets it when the
 *   burst gate lets its work run (bolt's own ack becomes a no-op);
 * - anything else: to bolt now, answered by its listener's ack, or 404 if none acks in time (Slack gives
 *   up after 3 s), or 500 if bolt fails first.
 * Retries keep their `X-Slack-Retry-Num`/`-Reason` for the retry guard (listeners/retries.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../../core/logger.ts';
import { BodyTooLargeError } from '../../http-server.ts';
import type { BurstGate } from '../burst-gate.ts';
import { checkSlackSignature, slackSigningKey } from './signature.ts';

/** bolt's default body limit. */
const BODY_LIMIT = 4 * 1024 * 1024;
/** Under Slack's 3 s, so the 404 reaches it before it gives up. */
const UNHANDLED_MS = 2_900;

export interface SlackReceiverOptions {
  signingSecret: string;
  logger: Logger;
  gate: BurstGate;
  /** Payloads answered with an empty 200 before bolt sees them. */
  acksAtOnce: (body: Record<string, unknown>) => boolean;
  now?: () => number;
  unhandledMs?: number;
}

export interface SlackReceiver extends Receiver {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

type Body = Record<string, unknown>;

export function createSlackReceiver(options: SlackReceiverOptions): SlackReceiver {
  const { logger, gate } = options;
  const key = slackSigningKey(options.signingSecret);
  const now = options.now ?? Date.now;
  let app: App | undefined;

  const toBolt = (event: ReceiverEvent) => (app as App).processEvent(event);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    gate.arrived();
    const raw = await readRaw(req, BODY_LIMIT);
    const form = String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded');
    const fields = form ? parseQuery(raw.toString('utf8')) : undefined;
    if (fields?.ssl_check === '1') return void res.writeHead(200).end();
    const check = checkSlackSignature(key, req.headers, raw, now());
    if (check !== 'ok') {
      logger.warn({ reason: check }, 'slack request refused');
      return void res.writeHead(401).end();
    }
    let body: Body;
    try {
      const payload = fields?.payload;
      body = (
        fields
          ? typeof payload === 'string'
            ? JSON.parse(payload)
            : fields
          : JSON.parse(raw.toString('utf8'))
      ) as Body;
      if (typeof body !== 'object' || body === null) throw new TypeError('not an object');
    } catch {
      logger.warn('slack request body malformed');
      return void res.writeHead(400).end();
    }
    if (body.type === 'url_verification') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ challenge: body.challenge }));
    }
    const retry = {
      ...optional('retryNum', header(req, 'x-slack-retry-num'), (v) => Number.parseInt(v, 10)),
      ...optional('retryReason', header(req, 'x-slack-retry-reason'), (v) => v),
    };

    if (options.acksAtOnce(body)) {
      res.writeHead(200).end();
      await gate.answered();
      const ack = async (response?: unknown) => {
        if (response) logger.error('a listener acked with a body on a payload already acked empty; not sent');
      };
      await toBolt({ body, ack, ...retry }).catch((err: unknown) =>
        logger.error({ err }, 'slack event failed after its ack'),
      );
      return;
    }

    let acked = false;
    const timer = setTimeout(() => {
      if (acked) return;
      acked = true;
      logger.error('slack request not acknowledged in time: answered 404');
      if (!res.headersSent) res.writeHead(404).end();
    }, options.unhandledMs ?? UNHANDLED_MS);
    const ack = async (response?: unknown) => {
      if (acked) return;
      acked = true;
      clearTimeout(timer);
      sendAck(res, response);
    };
    try {
      await toBolt({ body, ack, ...retry });
    } catch (err) {
      logger.error({ err }, 'slack event failed');
      if (!acked) {
        acked = true;
        clearTimeout(timer);
        res.writeHead(500).end();
      }
    }
  }

  return {
    init(a) {
      app = a;
    },
    // Mounted on the shared HTTP server (handle), which starts and stops on its own.
    start: async () => undefined,
    stop: async () => undefined,
    handle,
  };
}

function sendAck(res: ServerResponse, response: unknown): void {
  if (!response) res.writeHead(200).end();
  else if (typeof response === 'string') res.writeHead(200).end(response);
  else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function optional<K extends string, T>(
  key: K,
  value: string | undefined,
  map: (v: string) => T,
): Partial<Record<K, T>> {
  return value === undefined ? {} : ({ [key]: map(value) } as Record<K, T>);
}

/** The raw body (the signature covers its exact bytes), refusing more than `limit` (the server answers 413). */
function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume(); // the rest is discarded as it comes, never held
      reject(new BodyTooLargeError(limit));
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
