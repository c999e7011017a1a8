/**
 * A loopback BFL that behaves like bfl-api.md: async submit on the API host, polling on a separate
 * "cluster" host (its own port), signed sample URLs on a third delivery host that expire, the 24
 * active-task 429, and failures on demand.
 *
 * Prompt keywords pick an outcome for one task:
 *   [request-moderated] [content-moderated] [error] [not-found] (polls answer 404 "Task not found")
 *   [402] [403] [422] (detail string) [422-array] (detail array) [500] (submit answers 500 after
 *   creating the task — it exists and is billed) [slow-submit] (submit answers after `slowMs`)
 *   [big] (the sample is the large image from `bigImage`)
 * `configure()` changes behaviour for all later requests (generation time, failures, maxActive…).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tinyJpeg, tinyPng } from './images.ts';

export interface FakeBflOptions {
  apiKey: string;
  /** Time from submit to a terminal status. */
  generationMs: number;
  maxActive: number;
  /** Signed sample URLs stop working after this long. */
  sampleTtlMs: number;
  /** Credits charged per task when not moderated (1 credit = $0.01). */
  costCredits: number;
  /** Fail the next N submits with 500 *before* creating a task. */
  failSubmits: number;
  /** Fail the next N polls with 500. */
  failPolls: number;
  /** Refuse connections for the next N submits by closing the socket without answering. */
  slowMs: number;
  /** Every submit answers 402 (out of credits). */
  outOfCredits: boolean;
  /** Retry-After seconds sent with 429. */
  retryAfter: number | undefined;
  bigImage?: Buffer;
}

export interface FakeTask {
  id: string;
  model: string;
  body: Record<string, unknown>;
  submittedAt: number;
  readyAt: number;
  outcome: 'ready' | 'request-moderated' | 'content-moderated' | 'error' | 'not-found';
  polls: number;
  downloadedAt?: number;
  /** Time the first poll that saw the terminal status answered. */
  seenTerminalAt?: number;
}

export interface RecordedRequest {
  host: 'api' | 'poll' | 'delivery';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeBfl {
  /** The API base to configure (BFL_API_BASE). */
  url: string;
  pollingBase: string;
  deliveryBase: string;
  tasks: Map<string, FakeTask>;
  requests: RecordedRequest[];
  counts: {
    submits: number;
    accepted: number;
    rateLimited: number;
    polls: number;
    downloads: number;
    maxActiveSeen: number;
  };
  /** Tasks neither terminal nor past their ready time. */
  active(): number;
  configure(patch: Partial<FakeBflOptions>): void;
  close(): Promise<void>;
}

const DEFAULTS: FakeBflOptions = {
  apiKey: 'bfl_test_key_0123456789',
  generationMs: 30,
  maxActive: 24,
  sampleTtlMs: 10 * 60_000,
  costCredits: 4.5,
  failSubmits: 0,
  failPolls: 0,
  slowMs: 0,
  outOfCredits: false,
  retryAfter: undefined,
};

export async function startFakeBfl(options: Partial<FakeBflOptions> = {}): Promise<FakeBfl> {
  const opts: FakeBflOptions = { ...DEFAULTS, ...options };
  const tasks = new Map<string, FakeTask>();
  const requests: RecordedRequest[] = [];
  const counts = { submits: 0, accepted: 0, rateLimited: 0, polls: 0, downloads: 0, maxActiveSeen: 0 };
  /** Extra slots held by "another app on the same key". */
  const active = () => {
    const now = Date.now();
    let n = 0;
    for (const t of tasks.values()) if (t.readyAt > now) n++;
    return n;
  };

  const record = async (host: RecordedRequest['host'], req: IncomingMessage): Promise<RecordedRequest> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const entry = {
      host,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    // Keep the log bounded for long benches.
    if (requests.length < 5_000) requests.push(entry);
    return entry;
  };

  let pollingBase = '';
  let deliveryBase = '';

  const api = createServer(async (req, res) => {
    const entry = await record('api', req);
    if (req.headers['x-key'] !== opts.apiKey) return json(res, 403, { detail: 'Not authenticated' });
    if (entry.method === 'GET' && entry.path === '/v1/credits') return json(res, 200, { credits: 1234.5 });
    const m = /^\/v1\/([a-z0-9.-]+)$/.exec(entry.path);
    if (entry.method !== 'POST' || !m) return json(res, 404, { detail: 'Not Found' });
    counts.submits++;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(entry.body) as Record<string, unknown>;
    } catch {
      return json(res, 422, { detail: 'Invalid JSON' });
    }
    const prompt = String(body.prompt ?? '');
    if (opts.failSubmits > 0) {
      opts.failSubmits--;
      return json(res, 500, { detail: 'Internal Server Error' });
    }
    if (opts.outOfCredits || prompt.includes('[402]'))
      return json(res, 402, { detail: 'Insufficient credits' });
    if (prompt.includes('[403]')) return json(res, 403, { detail: 'Forbidden' });
    if (prompt.includes('[422-array]')) {
      return json(res, 422, {
        detail: [{ loc: ['body', 'width'], msg: 'Input should be a multiple of 16', type: 'multiple_of' }],
      });
    }
    if (prompt.includes('[422]')) return json(res, 422, { detail: 'Prompt is too long' });
    if (active() >= opts.maxActive) {
      counts.rateLimited++;
      const headers: Record<string, string> =
        opts.retryAfter === undefined ? {} : { 'retry-after': String(opts.retryAfter) };
      return json(res, 429, { detail: 'Too many active tasks' }, headers);
    }
    const id = randomUUID();
    const now = Date.now();
    const outcome =
      (['request-moderated', 'content-moderated', 'error', 'not-found'] as const).find((o) =>
        prompt.includes(`[${o}]`),
      ) ?? 'ready';
    const task: FakeTask = {
      id,
      model: m[1] as string,
      body,
      submittedAt: now,
      readyAt: now + (outcome === 'request-moderated' ? 0 : opts.generationMs),
      outcome,
      polls: 0,
    };
    tasks.set(id, task);
    counts.accepted++;
    counts.maxActiveSeen = Math.max(counts.maxActiveSeen, active());
    if (prompt.includes('[500]')) return json(res, 500, { detail: 'Internal Server Error' });
    const answer = {
      id,
      polling_url: `${pollingBase}/v1/get_result?id=${id}`,
      cost: opts.costCredits,
      input_mp: 0,
      output_mp: 1.05,
    };
    if (prompt.includes('[slow-submit]') && opts.slowMs)
      setTimeout(() => json(res, 200, answer), opts.slowMs);
    else json(res, 200, answer);
  });

  const poll = createServer(async (req, res) => {
    const entry = await record('poll', req);
    if (req.headers['x-key'] !== opts.apiKey) return json(res, 403, { detail: 'Not authenticated' });
    counts.polls++;
    if (opts.failPolls > 0) {
      opts.failPolls--;
      return json(res, 500, { detail: 'Internal Server Error' });
    }
    const id = new URL(entry.path, 'http://x').searchParams.get('id') ?? '';
    const task = tasks.get(id);
    if (!task || task.outcome === 'not-found') return json(res, 404, { id, status: 'Task not found' });
    task.polls++;
    const now = Date.now();
    if (now < task.readyAt) {
      const progress = Math.min(
        0.99,
        (now - task.submittedAt) / Math.max(1, task.readyAt - task.submittedAt),
      );
      return json(res, 200, {
        id,
        status: progress < 0.1 ? 'Pending' : 'Generating',
        progress: Number(progress.toFixed(2)),
        result: null,
      });
    }
    task.seenTerminalAt ??= now;
    switch (task.outcome) {
      case 'request-moderated':
        return json(res, 200, {
          id,
          status: 'Request Moderated',
          details: { 'Moderation Reasons': ['Derivative Works Filter'] },
          result: null,
          cost: 0,
        });
      case 'content-moderated':
        return json(res, 200, {
          id,
          status: 'Content Moderated',
          details: { 'Moderation Reasons': ['NSFW'] },
          result: null,
          cost: 0,
        });
      case 'error':
        return json(res, 200, { id, status: 'Error', result: null });
      default: {
        const exp = task.readyAt + opts.sampleTtlMs;
        const sample = `${deliveryBase}/samples/${id}.${task.body.output_format === 'jpeg' ? 'jpg' : 'png'}?se=${exp}&sig=${randomUUID()}`;
        return json(res, 200, {
          id,
          status: 'Ready',
          result: { sample, prompt: task.body.prompt, seed: task.body.seed },
          cost: opts.costCredits,
          progress: 1,
        });
      }
    }
  });

  const delivery = createServer(async (req, res) => {
    const entry = await record('delivery', req);
    const url = new URL(entry.path, 'http://x');
    const m = /^\/samples\/([^.]+)\.(png|jpg)$/.exec(url.pathname);
    const task = m ? tasks.get(m[1] as string) : undefined;
    if (!task || Number(url.searchParams.get('se')) < Date.now()) {
      res
        .writeHead(403, { 'content-type': 'application/xml' })
        .end('<Error><Code>AuthenticationFailed</Code></Error>');
      return;
    }
    counts.downloads++;
    task.downloadedAt ??= Date.now();
    const prompt = String(task.body.prompt ?? '');
    const data =
      prompt.includes('[big]') && opts.bigImage ? opts.bigImage : m?.[2] === 'jpg' ? tinyJpeg : tinyPng;
    res
      .writeHead(200, {
        'content-type': m?.[2] === 'jpg' ? 'image/jpeg' : 'image/png',
        'content-length': data.length,
      })
      .end(data);
  });

  const [apiPort, pollPort, deliveryPort] = await Promise.all([listen(api), listen(poll), listen(delivery)]);
  pollingBase = `http://127.0.0.1:${pollPort}`;
  deliveryBase = `http://127.0.0.1:${deliveryPort}`;
  return {
    url: `http://127.0.0.1:${apiPort}`,
    pollingBase,
    deliveryBase,
    tasks,
    requests,
    counts,
    active,
    configure(patch) {
      Object.assign(opts, patch);
    },
    async close() {
      await Promise.all([api, poll, delivery].map(close));
    },
  };
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    })
    .end(text);
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
