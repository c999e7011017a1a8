/** The polling ("cluster") host: GET /v1/get_result?id=…, behind `x-key`. */
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, later } from './net.ts';
import type { FakeState, FakeTask, RecordedRequest } from './types.ts';

export function handlePoll(
  state: FakeState,
  entry: RecordedRequest,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const { opts, counts } = state;
  counts.polls++;
  if (req.headers['x-key'] !== opts.apiKey) return json(res, 403, { detail: 'Not authenticated' });
  if (opts.failPolls > 0) {
    opts.failPolls--;
    counts.serverErrors++;
    return json(res, 500, { detail: 'Internal Server Error' });
  }
  const id = new URL(entry.path, 'http://x').searchParams.get('id') ?? '';
  const task = state.tasks.get(id);
  later(opts.slowPollMs, () => answer(state, id, task, res));
}

function answer(state: FakeState, id: string, task: FakeTask | undefined, res: ServerResponse) {
  if (!task || task.outcome === 'not-found' || task.plan.notFoundFirst > 0) {
    state.counts.notFound++;
    if (task && task.plan.notFoundFirst > 0) task.plan.notFoundFirst--;
    const status = task?.plan.notFoundHttp ?? 404;
    return json(res, status, { id, status: 'Task not found', result: null });
  }
  task.polls++;
  const now = Date.now();
  if (now < task.readyAt) {
    const share = (now - task.submittedAt) / Math.max(1, task.readyAt - task.submittedAt);
    const progress = Number(Math.min(0.99, share).toFixed(2));
    const status =
      share < 0.1 ? 'Pending' : task.model.includes('max') && share < 0.3 ? 'Reasoning' : 'Generating';
    return json(res, 200, { id, status, result: null, ...(task.plan.noProgress ? {} : { progress }) });
  }
  task.seenTerminalAt ??= now;
  const moderation = (reason: string) => ({ 'Moderation Reasons': [reason] });
  switch (task.outcome) {
    case 'request-moderated':
      return json(res, 200, {
        id,
        status: 'Request Moderated',
        details: moderation('Derivative Works Filter'),
        result: null,
        cost: 0,
      });
    case 'content-moderated':
      return json(res, 200, {
        id,
        status: 'Content Moderated',
        details: moderation('NSFW'),
        result: null,
        cost: 0,
      });
    case 'error':
      return json(res, 200, { id, status: 'Error', details: 'Generation failed', result: null });
    case 'failed':
      return json(res, 200, { id, status: 'Failed', result: null });
    default: {
      const cost = state.opts.settledCostCredits ?? state.opts.costCredits;
      return json(res, 200, {
        id,
        status: 'Ready',
        result: { sample: sampleUrl(state, task), prompt: task.body.prompt, seed: task.body.seed },
        progress: 1,
        ...(task.plan.noCost ? {} : { cost }),
      });
    }
  }
}

const EXT: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };

/** A link signed like a CDN's: it names its expiry, and any change to it breaks the signature. */
function sampleUrl(state: FakeState, task: FakeTask): string {
  const exp = task.readyAt + state.opts.sampleTtlMs;
  const ext = EXT[String(task.body.output_format ?? 'jpeg')] ?? 'jpg';
  const path = `/samples/${task.id}.${ext}`;
  return `${state.deliveryBase}${path}?se=${exp}&sig=${sign(state, `${path}:${exp}`)}`;
}

export function sign(state: FakeState, text: string): string {
  return createHmac('sha256', state.secret).update(text).digest('hex').slice(0, 32);
}
