/**
 * Prometheus metrics (prom-client): the process defaults plus flux's own, in base units (seconds,
 * USD), labelled by model, outcome, error code or platform only — never by user, channel or workspace,
 * which would leak who does what and grow without bound.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { FluxError } from './errors.ts';
import type { JobEvent, JobView, Platform } from './job-types.ts';
import type { Provider } from './providers/types.ts';

export interface MetricsSources {
  /** Tasks waiting for a provider slot, and tasks holding one (submitted, not yet terminal). */
  load(): { queued: number; active: number };
}

export interface Metrics {
  readonly registry: Registry;
  /** Observes a job event as it reaches a front end's sink. */
  jobEvent(event: JobEvent): void;
  /** A job's images reached the platform (or could not): called after the sink handled `ready`. */
  delivered(job: JobView, outcome: 'delivered' | 'undeliverable', readyAt: number): void;
  /** A platform API call failed during delivery or an answer. */
  platformError(platform: Platform): void;
  /** Wraps a provider so every error it raises is counted by code (429s included). */
  instrument(provider: Provider): Provider;
  /** The text exposition, and its content type. */
  scrape(): Promise<{ body: string; contentType: string }>;
}

// Generation takes 1–60 s; delivery (download done → posted) 50 ms–30 s; queue waits up to many minutes.
const GENERATION_BUCKETS = [0.5, 1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 120];
const DELIVERY_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];
const WAIT_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];

export function createMetrics(sources: MetricsSources, options: { now?: () => number } = {}): Metrics {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const jobs = new Counter({
    name: 'flux_jobs_total',
    help: 'Jobs that reached a final state, by outcome (delivered, failed, cancelled, needs_review, undeliverable).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const images = new Counter({
    name: 'flux_images_total',
    help: 'Images generated (downloaded from the provider), by model.',
    labelNames: ['model'] as const,
    registers,
  });
  const spend = new Counter({
    name: 'flux_spend_usd_total',
    help: 'Money charged by the provider (its figure, else our estimate), in USD, by model.',
    labelNames: ['model'] as const,
    registers,
  });
  new Gauge({
    name: 'flux_queue_depth',
    help: 'Images waiting for a provider slot.',
    registers,
    collect() {
      this.set(sources.load().queued);
    },
  });
  new Gauge({
    name: 'flux_provider_tasks_active',
    help: 'Provider tasks in flight (submitted, not yet terminal): what the provider counts against its limit.',
    registers,
    collect() {
      this.set(sources.load().active);
    },
  });
  const queueWait = new Histogram({
    name: 'flux_queue_wait_seconds',
    help: 'From the request being accepted to its first image being submitted.',
    buckets: WAIT_BUCKETS,
    registers,
  });
  const generation = new Histogram({
    name: 'flux_generation_seconds',
    help: 'From the first submit to every image of the job being downloaded.',
    labelNames: ['model'] as const,
    buckets: GENERATION_BUCKETS,
    registers,
  });
  const delivery = new Histogram({
    name: 'flux_ready_to_delivered_seconds',
    help: 'From the images being downloaded to the platform accepting them.',
    buckets: DELIVERY_BUCKETS,
    registers,
  });
  const providerErrors = new Counter({
    name: 'flux_provider_errors_total',
    help: 'Errors from the image provider, by stable error code.',
    labelNames: ['code'] as const,
    registers,
  });
  const rateLimited = new Counter({
    name: 'flux_provider_rate_limited_total',
    help: 'Provider answers of 429 (too many active tasks on the account): each one is waited out, not failed.',
    registers,
  });
  const platformErrors = new Counter({
    name: 'flux_platform_api_errors_total',
    help: 'Failed Discord or Slack API calls while answering or delivering, by platform.',
    labelNames: ['platform'] as const,
    registers,
  });

  const counted = (err: unknown): never => {
    const code = err instanceof FluxError ? err.code : 'UNEXPECTED';
    providerErrors.inc({ code });
    if (code === 'PROVIDER_RATE_LIMITED') rateLimited.inc();
    throw err;
  };

  return {
    registry,
    jobEvent(event) {
      const { job } = event;
      switch (event.type) {
        case 'started':
          if (job.startedAt !== undefined)
            queueWait.observe(Math.max(0, job.startedAt - job.createdAt) / 1000);
          break;
        case 'ready':
          images.inc({ model: job.request.model }, event.images.length);
          if (job.startedAt !== undefined)
            generation.observe({ model: job.request.model }, Math.max(0, now() - job.startedAt) / 1000);
          break;
        case 'failed':
        case 'cancelled':
        case 'needs_review':
          // A notice about one image of a job that goes on is not the job's outcome.
          if (event.type !== 'needs_review' || job.state === 'needs_review')
            jobs.inc({ outcome: event.type });
          if (event.type === 'failed' && job.costMicros)
            spend.inc({ model: job.request.model }, job.costMicros / 1e6);
          break;
        default:
          break;
      }
    },
    delivered(job, outcome, readyAt) {
      jobs.inc({ outcome });
      if (job.costMicros) spend.inc({ model: job.request.model }, job.costMicros / 1e6);
      if (outcome === 'delivered') delivery.observe(Math.max(0, now() - readyAt) / 1000);
    },
    platformError(platform) {
      platformErrors.inc({ platform });
    },
    instrument(provider) {
      // Delegates rather than spreads, so methods added to the port later (credits…) keep their `this`.
      return Object.assign(Object.create(provider) as Provider, {
        submit: (...args: Parameters<Provider['submit']>) => provider.submit(...args).catch(counted),
        waitForResult: (...args: Parameters<Provider['waitForResult']>) =>
          provider.waitForResult(...args).catch(counted),
      });
    },
    async scrape() {
      return { body: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
