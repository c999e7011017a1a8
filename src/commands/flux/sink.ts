/**
 * Job events → the requester's card and thread. Events for one job are rendered strictly in order (one
 * promise chain per job); a job whose interaction is gone (restart, 15-minute token) gets its context
 * rebuilt from the delivery data stored with it.
 */

import { FluxError } from '../../core/errors.ts';
import type { JobEvent, JobSink, JobView, Platform } from '../../core/job-types.ts';
import type { Logger } from '../../core/logger.ts';
import type { ModelCatalog } from '../../core/models.ts';
import type { CommandContext, ContextFactory, OutputImage, PostedResult } from '../context.ts';
import {
  cardFor,
  errorText,
  generatingStatus,
  queuedStatus,
  resultButtons,
  resultFields,
  taskNotes,
  waitingStatus,
} from './messages.ts';
import { endUndeliverable } from './undeliverable.ts';

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
  restore: Partial<Record<Platform, ContextFactory>>,
  logger: Logger,
): LiveContexts {
  const live = new Map<string, CommandContext>();
  const chains = new Map<string, Promise<void>>();
  return {
    set: (jobId, ctx) => void live.set(jobId, ctx),
    contextFor(job) {
      const ctx = live.get(job.id);
      if (ctx) return ctx;
      const factory = restore[job.origin.platform];
      if (!factory) return undefined;
      const actor = { id: job.origin.userId, name: job.origin.userName ?? 'Someone', isAdmin: false };
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

export interface SinkDeps {
  catalog: ModelCatalog;
  live: LiveContexts;
  logger: Logger;
  /** Persists delivery data (card/thread ids, result links) with the job. */
  saveDelivery(jobId: string, patch: Record<string, unknown>): void;
  /** Notes for a delivered job: budgets its requester or channel has mostly used. */
  warnings?: (job: JobView) => string[];
  now?: () => number;
}

export function createFluxSink(deps: SinkDeps): JobSink {
  const { catalog, live, logger } = deps;
  const now = deps.now ?? Date.now;

  /** The queue line last shown per job, so a rounded place that did not change costs no edit. */
  const lastStatus = new Map<string, string>();
  const render = async (event: JobEvent): Promise<void> => {
    if (event.type !== 'position' && event.type !== 'queued') lastStatus.delete(event.job.id);
    const job = event.job;
    const ctx = live.contextFor(job);
    if (!ctx) {
      logger.warn({ jobId: job.id, platform: job.origin.platform }, 'no context for job event');
      if (event.type === 'ready')
        throw new Error(`no ${job.origin.platform} adapter to deliver job ${job.id}`);
      return;
    }
    switch (event.type) {
      case 'queued':
        // run() showed the card already; a resumed job shows it here.
        if (!job.delivery.cardShown)
          await ctx.showCard(cardFor(job, catalog, queuedStatus(event.position), now()));
        return;
      case 'position': {
        const status = queuedStatus(event.position);
        if (lastStatus.get(job.id) === status) return;
        lastStatus.set(job.id, status);
        return ctx.showCard(cardFor(job, catalog, status, now()));
      }
      case 'waiting':
        return ctx.showCard(cardFor(job, catalog, waitingStatus(event.reason), now()));
      case 'started':
      case 'progress':
        return ctx.showCard(cardFor(job, catalog, generatingStatus(job, now()), now()));
      case 'ready': {
        // A card that cannot be edited (the bot removed from the channel) must not stop the result.
        await ctx
          .showCard(cardFor({ ...job, state: 'running' }, catalog, 'Uploading', now()))
          .catch((err: unknown) => logger.warn({ err, jobId: job.id }, 'card not shown as uploading'));
        const images: OutputImage[] = event.images.map((img) => ({
          name: `flux-${img.seed}.${extension(img.contentType)}`,
          data: img.data,
          contentType: img.contentType,
        }));
        let posted: PostedResult;
        try {
          posted = await ctx.postResult(
            {
              jobId: job.id,
              images,
              fields: resultFields(job, catalog),
              notes: [...taskNotes(job), ...(deps.warnings?.(job) ?? [])],
              buttons: resultButtons(job.id),
            },
            threadName(job.request.prompt),
            // Each step is stored as it completes: a retry or a restart resumes after it.
            (delivery) => deps.saveDelivery(job.id, delivery),
          );
        } catch (err) {
          if (!(err instanceof FluxError && err.code === 'CHANNEL_UNAVAILABLE')) throw err;
          live.forget(job.id);
          return endUndeliverable(ctx, job, images, err, { catalog, logger, now: now() });
        }
        deps.saveDelivery(job.id, { ...ctx.delivery(), resultUrls: posted.imageUrls });
        // The images are out: a failed card edit must not make the job count as undelivered (and post twice).
        await ctx
          .showCard(cardFor({ ...job, state: 'delivered' }, catalog, 'Done', now()))
          .catch((err: unknown) => logger.warn({ err, jobId: job.id }, 'card summary not shown'));
        live.forget(job.id);
        return;
      }
      case 'failed':
        await ctx.showCard({
          ...cardFor(job, catalog, `Failed · ${errorText(event.error)}`, now()),
          buttons: [],
        });
        live.forget(job.id);
        return;
      case 'cancelled':
        await ctx.showCard({ ...cardFor(job, catalog, 'Cancelled · not charged', now()), buttons: [] });
        live.forget(job.id);
        return;
      case 'needs_review':
        // A notice while other images of the job still come: they are delivered, with the flagged one noted.
        if (job.state !== 'needs_review') return;
        await ctx.showCard({
          ...cardFor(
            job,
            catalog,
            `Needs a look · ${errorText({ code: 'NEEDS_REVIEW', message: '', charge: 'unknown' })}`,
            now(),
          ),
          buttons: [],
        });
        live.forget(job.id);
        return;
    }
  };

  return {
    handle(event) {
      // `ready` is awaited by the jobs service (delivery must succeed before the job counts as delivered),
      // so its failure propagates; other events are best-effort.
      let failure: unknown;
      const done = live.enqueue(event.job.id, () =>
        render(event).catch((err: unknown) => {
          failure = err;
        }),
      );
      return done.then(() => {
        if (failure !== undefined) {
          if (event.type === 'ready') throw failure;
          logger.warn({ err: failure, jobId: event.job.id, event: event.type }, 'job event not shown');
        }
      });
    },
  };
}

export function threadName(prompt: string): string {
  const clean = prompt.replace(/\s+/g, ' ').trim();
  return clean.length > 90 ? `${clean.slice(0, 89)}…` : clean || 'flux';
}

function extension(contentType: string): string {
  return contentType === 'image/jpeg' ? 'jpg' : (contentType.split('/')[1] ?? 'img');
}
