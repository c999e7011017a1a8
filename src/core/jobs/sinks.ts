/** The sink each platform attached: where a job's events go. */
import type { JobEvent, JobSink, Platform } from '../job-types.ts';
import type { Logger } from '../logger.ts';

export interface Sinks {
  attach(platform: Platform, sink: JobSink): void;
  get(platform: Platform): JobSink | undefined;
  /**
   * Hands a live event to its platform's sink without waiting for it; a failure is logged. Without a
   * sink the event is dropped: a ready job waits in the store for one.
   */
  send(event: JobEvent): void;
}

export function createSinks(logger: Logger): Sinks {
  const sinks = new Map<Platform, JobSink>();
  return {
    attach(platform, sink) {
      sinks.set(platform, sink);
    },
    get: (platform) => sinks.get(platform),
    send(event) {
      const sink = sinks.get(event.job.origin.platform);
      if (!sink) return;
      sink
        .handle(event)
        .catch((err: unknown) => logger.warn({ err, jobId: event.job.id, event: event.type }, 'sink failed'));
    },
  };
}
