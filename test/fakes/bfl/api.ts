/** The API host: POST /v1/<model> (async submit) and GET /v1/credits, behind `x-key`. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { planFor } from './keywords.ts';
import { json, later } from './net.ts';
import { handlePoll } from './poll.ts';
import type { FakeState, FakeTask, RecordedRequest } from './types.ts';
import { scheduleWebhook } from './webhook.ts';

export function handleApi(
  state: FakeState,
  entry: RecordedRequest,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const { opts, counts } = state;
  const model = /^\/v1\/([a-z0-9.-]+)$/.exec(entry.path)?.[1];
  const isSubmit = entry.method === 'POST' && model !== undefined && model !== 'credits';
  if (isSubmit) counts.submits++;
  // BFL wants x-key; `Authorization: Bearer` is refused like a wrong key.
  if (req.headers['x-key'] !== opts.apiKey) return json(res, 403, { detail: 'Not authenticated' });
  if (entry.method === 'GET' && entry.path === '/v1/credits') {
    counts.credits++;
    if (opts.creditsStatus !== undefined)
      return json(res, opts.creditsStatus, { detail: 'Internal Server Error' });
    return json(res, 200, { credits: opts.credits });
  }
  // The global host answers get_result too (the fallback when a submit gave no polling_url).
  if (entry.method === 'GET' && entry.path.startsWith('/v1/get_result?'))
    return handlePoll(state, entry, req, res);
  if (!isSubmit || !model) return json(res, 404, { detail: 'Not Found' });

  if (opts.resetSubmits > 0) {
    opts.resetSubmits--;
    // The request arrived; the answer never does (a reset after sending: maybe billed).
    req.socket.destroy();
    return;
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(entry.body) as Record<string, unknown>;
  } catch {
    return json(res, 422, { detail: 'Invalid JSON body' });
  }
  if (opts.failSubmits > 0) {
    opts.failSubmits--;
    counts.serverErrors++;
    return json(res, 500, { detail: 'Internal Server Error' });
  }
  const plan = planFor(String(body.prompt ?? ''));
  if (opts.outOfCredits || plan.refuse === 402) return json(res, 402, { detail: 'Insufficient credits' });
  if (plan.refuse === 403) return json(res, 403, { detail: 'Forbidden' });
  if (plan.refuse === '422-array') {
    return json(res, 422, {
      detail: [
        { loc: ['body', 'width'], msg: 'Input should be a multiple of 16', type: 'multiple_of' },
        { loc: ['body', 'seed'], msg: 'Input should be a valid integer', type: 'int_type' },
      ],
    });
  }
  if (plan.refuse === 422) return json(res, 422, { detail: 'Prompt is too long' });
  if (opts.rateLimitSubmits > 0 || state.active() >= opts.maxActive) {
    if (opts.rateLimitSubmits > 0) opts.rateLimitSubmits--;
    counts.rateLimited++;
    const headers: Record<string, string> =
      opts.retryAfter === undefined ? {} : { 'retry-after': String(opts.retryAfter) };
    return json(res, 429, { detail: 'You have exceeded the limit of 24 active tasks' }, headers);
  }

  const now = Date.now();
  const generation = plan.generationMs ?? opts.generationMs;
  const task: FakeTask = {
    id: randomUUID(),
    model,
    body,
    plan,
    outcome: plan.outcome,
    submittedAt: now,
    // A refused request is terminal at once.
    readyAt: now + (plan.outcome === 'request-moderated' ? 0 : generation),
    polls: 0,
    downloads: 0,
  };
  const hook = { url: body.webhook_url, secret: body.webhook_secret };
  if (typeof hook.url === 'string' && typeof hook.secret === 'string')
    task.webhook = { url: hook.url, secret: hook.secret };
  state.tasks.set(task.id, task);
  scheduleWebhook(state, task);
  counts.accepted++;
  counts.maxActiveSeen = Math.max(counts.maxActiveSeen, state.active());
  if (plan.failAfterCreate) {
    counts.serverErrors++;
    return json(res, 500, { detail: 'Internal Server Error' });
  }
  const answer = {
    id: task.id,
    // With a webhook BFL answers its status and the webhook URL, and no polling_url.
    ...(task.webhook
      ? { status: 'Pending', webhook_url: task.webhook.url }
      : { polling_url: `${state.pollingBase}/v1/get_result?id=${task.id}` }),
    cost: opts.costCredits,
    input_mp: Number((Object.keys(body).filter((k) => k.startsWith('input_image')).length * 1.05).toFixed(2)),
    output_mp: Number(((Number(body.width ?? 1024) * Number(body.height ?? 1024)) / 1e6).toFixed(2)),
  };
  later(opts.slowSubmitMs + (plan.slowSubmit ? opts.slowMs : 0), () => json(res, 200, answer));
}
