/**
 * `POST /bfl/webhook`: BFL's call when a task is done. The payload is not documented, so the call is
 * only a hint: it names a task (`id` or `task_id`), its `X-Webhook-Secret` must match that task's own
 * random secret (compared in constant time), and then the task's poller looks at the polling URL at
 * once — what the body says about status or result is never used. Unknown or forged calls change
 * nothing (404 / 401).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JobsService } from './core/job-types.ts';
import type { Logger } from './core/logger.ts';
import { BFL_WEBHOOK_PATH } from './core/providers/bfl.ts';
import type { AsyncStore } from './core/store/port.ts';
import { type HttpServer, readBody } from './http-server.ts';

/** The documented payloads are small JSON objects; anything larger is not BFL's. */
const MAX_BODY_BYTES = 64 * 1024;

export interface BflWebhookDeps {
  store: Pick<AsyncStore, 'findTask' | 'getTasks'>;
  jobs: Pick<JobsService, 'wake'>;
  logger: Logger;
}

export function mountBflWebhook(http: Pick<HttpServer, 'route'>, deps: BflWebhookDeps): void {
  http.route('POST', BFL_WEBHOOK_PATH, (req, res) => handleWebhook(req, res, deps));
}

async function handleWebhook(req: IncomingMessage, res: ServerResponse, deps: BflWebhookDeps) {
  const log = deps.logger.child({ route: BFL_WEBHOOK_PATH });
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_BODY_BYTES);
  } catch {
    return answer(res, 413, 'body too large');
  }
  const given = req.headers['x-webhook-secret'];
  if (typeof given !== 'string' || !given) return answer(res, 401, 'missing secret');
  const id = taskId(raw);
  if (!id) return answer(res, 400, 'no task id');
  const found = await deps.store.findTask(id);
  const task = found && (await deps.store.getTasks(found.jobId)).find((t) => t.index === found.index);
  if (!task) {
    log.debug({ providerTask: id.slice(0, 64) }, 'BFL webhook for an unknown task');
    return answer(res, 404, 'unknown task');
  }
  const expected = task.submitted?.webhookSecret;
  if (!expected || !sameSecret(given, expected)) {
    log.warn({ providerTask: id }, 'BFL webhook with a wrong secret: ignored');
    return answer(res, 401, 'wrong secret');
  }
  // The poller reads the task from its polling URL: only that answer counts.
  const woke = deps.jobs.wake(id);
  log.debug({ providerTask: id, woke }, 'BFL webhook');
  return answer(res, 200, 'ok');
}

/** `id`, or `task_id` (the payload is not documented). */
function taskId(raw: Buffer): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const { id, task_id } = body as { id?: unknown; task_id?: unknown };
  const value = typeof id === 'string' && id ? id : task_id;
  return typeof value === 'string' && value && value.length <= 200 ? value : undefined;
}

/** Constant time whatever the lengths: both sides are hashed to equal-length digests first. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function answer(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify(status === 200 ? { ok: true } : { error: message });
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
}
