/**
 * The contexts of jobs in flight, and one ordered chain of work per job. A job whose interaction is gone
 * (a restart, Discord's 15-minute token) gets its context rebuilt from the delivery data stored with it.
 */
import type { JobView, Platform } from '../core/job-types.ts';
import type { Logger } from '../core/logger.ts';
import type { CommandContext, ContextFactory } from './context.ts';

export interface LiveContexts {
  /** The context of a job started in this process, while its interaction is still usable. */
  set(jobId: string, ctx: CommandContext): void;
  /** The live context, else one rebuilt from the job's stored delivery data. */
  contextFor(job: JobView): CommandContext | undefined;
  /** Runs `op` after everything already queued for this job. */
  enqueue(jobId: string, op: () => Promise<void>): Promise<void>;
  forget(jobId: string): void;
}

export function createLiveContexts(
  factories: Partial<Record<Platform, ContextFactory>>,
  logger: Logger,
): LiveContexts {
  const live = new Map<string, CommandContext>();
  const chains = new Map<string, Promise<void>>();
  return {
    set: (jobId, ctx) => void live.set(jobId, ctx),
    contextFor(job) {
      const ctx = live.get(job.id);
      if (ctx) {
        // Another process may have recorded the card since this context was made (distributed mode).
        if (job.delivery) ctx.adopt?.(job.delivery);
        return ctx;
      }
      const factory = factories[job.origin.platform];
      if (!factory) return undefined;
      const actor = {
        id: job.origin.userId,
        name: job.origin.userName ?? 'Someone',
        isAdmin: false,
        // A restored context answers the requester in the language their job was asked in.
        ...(job.origin.locale ? { locale: job.origin.locale } : {}),
      };
      const restored = factory.restore(job.delivery, actor);
      live.set(job.id, restored);
      return restored;
    },
    enqueue(jobId, op) {
      const prev = chains.get(jobId) ?? Promise.resolve();
      const next = prev
        .then(op)
        .catch((err: unknown) => logger.warn({ err, jobId }, 'rendering a job event failed'));
      chains.set(jobId, next);
      void next.then(() => {
        if (chains.get(jobId) === next) chains.delete(jobId);
      });
      return next;
    },
    forget(jobId) {
      live.delete(jobId);
    },
  };
}
