/**
 * A loopback BFL that behaves like bfl-api.md, on three real listeners (127.0.0.1, port 0):
 *   api      `url`          POST /v1/<model> (async submit), GET /v1/credits — needs `x-key`
 *   poll     `pollingBase`  GET /v1/get_result?id=… — where polling_url points (a "cluster" host)
 *   delivery `deliveryBase` signed sample URLs (TTL `sampleTtlMs`, default 10 min; expired or tampered
 *                           → 403, unknown → 404); needs no key, so tests assert that none arrives
 * A task is active from submit until terminal; over `maxActive` (24) a submit answers 429. Progress
 * goes Pending → Generating (Reasoning first on max) with `progress`, then the outcome; the final poll
 * carries `cost`. Every request is recorded (`requests`, `requestsTo(host)`), with counters (`counts`)
 * and per-task records (`tasks`: readyAt, polls, downloadedAt) for benches.
 *
 * Prompt keywords decide one task's fate:
 *   [request-moderated] [content-moderated] [error] [failed]   terminal outcomes
 *   [not-found]        every poll answers HTTP 404 {status: "Task not found"}
 *   [not-found-200]    the same with HTTP 200
 *   [not-found-first=N] the first N polls answer not found, then the task is normal
 *   [402] [403] [422] (detail string) [422-array] (detail as [{loc,msg,type}])   submit refusals
 *   [500]              the task is created, then the submit answers 500 (it exists and is billed)
 *   [slow-submit]      the submit answers after `slowMs`
 *   [gen-ms=N]         this task takes N ms
 *   [big]              the sample is `bigImage`;  [img=WxH] a noisy PNG of that size
 *   [not-image]        the sample is an HTML page served as image/png
 *   [no-length]        the sample is sent chunked, without content-length
 *   [no-cost] [no-progress]  the polls leave out `cost` / `progress`
 * A submit with `webhook_url` and `webhook_secret` answers without polling_url (poll the API host's
 * get_result instead), and the task calls the webhook when terminal (bfl/webhook.ts; `webhookCalls`).
 * `configure()` changes behaviour for later requests: counters such as failSubmits / failPolls /
 * resetSubmits / rateLimitSubmits ("the next N"), delays (slowSubmitMs, slowPollMs), holdDeliveries
 * (sample downloads wait, unanswered, until it is turned off), outOfCredits,
 * retryAfter, maxActive, generationMs, sampleTtlMs, costs. `reset()` restores the starting options.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { handleApi } from './bfl/api.ts';
import { handleDelivery } from './bfl/delivery.ts';
import { closeServer, listen, readBody } from './bfl/net.ts';
import { handlePoll } from './bfl/poll.ts';
import {
  DEFAULT_OPTIONS,
  type FakeBfl,
  type FakeBflOptions,
  type FakeCounts,
  type FakeState,
  type FakeTask,
  type Host,
  type RecordedRequest,
  type WebhookCall,
} from './bfl/types.ts';

export { tinyWebp } from './bfl/delivery.ts';
export type { FakeBfl, FakeBflOptions, FakeCounts, FakeTask, Host, RecordedRequest, WebhookCall };

const MAX_RECORDED = 5_000;

export async function startFakeBfl(options: Partial<FakeBflOptions> = {}): Promise<FakeBfl> {
  const initial: FakeBflOptions = { ...DEFAULT_OPTIONS, ...options };
  const tasks = new Map<string, FakeTask>();
  const requests: RecordedRequest[] = [];
  const counts: FakeCounts = {
    submits: 0,
    accepted: 0,
    rateLimited: 0,
    polls: 0,
    notFound: 0,
    serverErrors: 0,
    downloads: 0,
    maxActiveSeen: 0,
    credits: 0,
    webhooks: 0,
    lostWebhooks: 0,
  };
  const webhookCalls: FakeState['webhookCalls'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const state: FakeState = {
    opts: { ...initial },
    tasks,
    counts,
    pollingBase: '',
    deliveryBase: '',
    secret: randomBytes(16).toString('hex'),
    webhookCalls,
    timers,
    held: [],
    active() {
      const now = Date.now();
      let n = 0;
      for (const t of tasks.values()) if (t.readyAt > now) n++;
      return n;
    },
  };

  const server = (
    host: Host,
    handle: (e: RecordedRequest, req: IncomingMessage, res: ServerResponse) => void,
  ) =>
    createServer(async (req, res) => {
      const entry: RecordedRequest = {
        host,
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body: await readBody(req),
        at: Date.now(),
      };
      // Bounded, so long benches do not grow without limit.
      if (requests.length < MAX_RECORDED) requests.push(entry);
      handle(entry, req, res);
    });
  const api = server('api', (e, req, res) => handleApi(state, e, req, res));
  const poll = server('poll', (e, req, res) => handlePoll(state, e, req, res));
  const delivery = server('delivery', (e, _req, res) => handleDelivery(state, e, res));

  const [apiPort, pollPort, deliveryPort] = await Promise.all([listen(api), listen(poll), listen(delivery)]);
  const answerHeld = () => {
    if (!state.opts.holdDeliveries) for (const answer of state.held.splice(0)) answer();
  };
  state.pollingBase = `http://127.0.0.1:${pollPort}`;
  state.deliveryBase = `http://127.0.0.1:${deliveryPort}`;
  return {
    url: `http://127.0.0.1:${apiPort}`,
    pollingBase: state.pollingBase,
    deliveryBase: state.deliveryBase,
    tasks,
    requests,
    counts,
    webhookCalls,
    requestsTo: (host) => requests.filter((r) => r.host === host),
    active: () => state.active(),
    configure(patch) {
      Object.assign(state.opts, patch);
      answerHeld();
    },
    reset() {
      state.opts = { ...initial };
      answerHeld();
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      await Promise.all([api, poll, delivery].map(closeServer));
    },
  };
}
