/** Options, records and the handle of the loopback BFL (see ../bfl-server.ts for the keywords). */
import type { IncomingMessage } from 'node:http';
import type { TaskPlan } from './keywords.ts';

export interface FakeBflOptions {
  /** The only key accepted (as `x-key`); anything else, `Authorization: Bearer` included, is a 403. */
  apiKey: string;
  /** Time from submit to the terminal status, unless the prompt says `[gen-ms=N]`. */
  generationMs: number;
  /** Active tasks (submitted, not yet terminal) allowed before a submit answers 429. */
  maxActive: number;
  /** Signed sample URLs stop working this long after the task became ready. */
  sampleTtlMs: number;
  /** Credits per task at submit (1 credit = $0.01). */
  costCredits: number;
  /** Credits on the final poll; default costCredits. */
  settledCostCredits: number | undefined;
  /** What GET /v1/credits answers. */
  credits: number;
  /** When set, GET /v1/credits answers this status (with BFL's `detail`) instead of the balance. */
  creditsStatus: number | undefined;
  /** The next N submits answer 500 *before* creating a task. */
  failSubmits: number;
  /** The next N submits have their connection destroyed after the request was read (no answer). */
  resetSubmits: number;
  /** The next N submits answer 429 whatever the number of active tasks. */
  rateLimitSubmits: number;
  /** The next N polls answer 500. */
  failPolls: number;
  /** Delay of a `[slow-submit]` answer. */
  slowMs: number;
  /** Delay of every submit answer. */
  slowSubmitMs: number;
  /** Delay of every poll answer. */
  slowPollMs: number;
  /** Sample downloads are not answered while true (a slow CDN held by the test); false answers them. */
  holdDeliveries: boolean;
  /** Every submit answers 402. */
  outOfCredits: boolean;
  /** Retry-After seconds sent with 429 (fractions allowed). */
  retryAfter: number | undefined;
  /** Served for `[big]` prompts. */
  bigImage?: Buffer;
  /** The next N webhook calls are lost (never sent). */
  dropWebhooks: number;
}

export const DEFAULT_OPTIONS: FakeBflOptions = {
  apiKey: 'bfl_test_key_0123456789',
  generationMs: 30,
  maxActive: 24,
  sampleTtlMs: 10 * 60_000,
  costCredits: 4.5,
  settledCostCredits: undefined,
  credits: 1234.5,
  creditsStatus: undefined,
  failSubmits: 0,
  resetSubmits: 0,
  rateLimitSubmits: 0,
  failPolls: 0,
  slowMs: 0,
  slowSubmitMs: 0,
  slowPollMs: 0,
  holdDeliveries: false,
  outOfCredits: false,
  retryAfter: undefined,
  dropWebhooks: 0,
};

export type Outcome = 'ready' | 'request-moderated' | 'content-moderated' | 'error' | 'failed' | 'not-found';

export interface FakeTask {
  id: string;
  /** The model path it was submitted to (e.g. flux-2-pro). */
  model: string;
  body: Record<string, unknown>;
  plan: TaskPlan;
  outcome: Outcome;
  submittedAt: number;
  /** When the task became terminal: a bench measures "ready → bytes in hand" from here. */
  readyAt: number;
  /** Polls that found the task (not-found answers are counted in counts.notFound). */
  polls: number;
  /** When the first poll saw the terminal status. */
  seenTerminalAt?: number;
  downloads: number;
  /** When the sample was first served. */
  downloadedAt?: number;
  /** Given at submit: where and with what secret to call when the task is terminal. */
  webhook?: { url: string; secret: string };
}

/** One webhook call the fake made (or lost). */
export interface WebhookCall {
  taskId: string;
  status: string;
  at: number;
  /** Our server's answer; undefined when lost or refused at connection. */
  answer?: number;
  lost: boolean;
}

export type Host = 'api' | 'poll' | 'delivery';

export interface RecordedRequest {
  host: Host;
  method: string;
  /** Path with query string. */
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export interface FakeCounts {
  /** POSTs to /v1/<model>, whatever came of them. */
  submits: number;
  /** Submits that created a task. */
  accepted: number;
  /** Submits answered 429. */
  rateLimited: number;
  /** GETs on the polling host, whatever came of them. */
  polls: number;
  /** Polls answered "Task not found". */
  notFound: number;
  /** Answers 500 on purpose (submit or poll). */
  serverErrors: number;
  /** Samples served (200). */
  downloads: number;
  /** Most tasks active at once. */
  maxActiveSeen: number;
  credits: number;
  /** Webhook calls made (answered or not) and lost on purpose. */
  webhooks: number;
  lostWebhooks: number;
}

export interface FakeBfl {
  /** The API base (BFL_API_BASE). */
  url: string;
  /** Where polling_url points: another port, like a cluster host (api.eu2.bfl.ai). */
  pollingBase: string;
  /** Where the signed sample URLs point: a third port, like the delivery CDN. */
  deliveryBase: string;
  tasks: Map<string, FakeTask>;
  /** Every request on the three hosts, in order (the first 5,000). */
  requests: RecordedRequest[];
  counts: FakeCounts;
  /** Webhook calls, in order. */
  webhookCalls: WebhookCall[];
  /** Requests seen by one host. */
  requestsTo(host: Host): RecordedRequest[];
  /** Tasks submitted and not yet terminal. */
  active(): number;
  /** Changes behaviour for all later requests. */
  configure(patch: Partial<FakeBflOptions>): void;
  /** Back to the options the fake started with; counters and records are kept. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeState {
  opts: FakeBflOptions;
  tasks: Map<string, FakeTask>;
  counts: FakeCounts;
  pollingBase: string;
  deliveryBase: string;
  /** Signs sample URLs, so a tampered link is refused like an expired one. */
  secret: string;
  active(): number;
  webhookCalls: WebhookCall[];
  /** Webhook timers still pending, cleared on close. */
  timers: Set<NodeJS.Timeout>;
  /** Sample downloads held by `holdDeliveries`, answered when it is turned off. */
  held: Array<() => void>;
}
