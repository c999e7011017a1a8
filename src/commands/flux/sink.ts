/**
 * Job events → the requester's card and thread. Events for one job are rendered strictly in order (one
 * promise chain per job); a job whose interaction is gone (restart, 15-minute token) gets its context
 * rebuilt from the delivery data stored with it.
 */

import { FluxError } from '../../core/errors.ts';
import type { JobEvent, JobSink, JobView } from '../../core/job-types.ts';
import type { Logger } from '../../core/logger.ts';
import type { ModelCatalog } from '../../core/models.ts';
import type { Card, OutputImage, PostedResult } from '../context.ts';
import { jobLocale } from '../i18n/locale.ts';
import type { LiveContexts } from '../live-contexts.ts';
import type { UsageStore } from '../usage.ts';
import { budgetNotes } from './budget-notes.ts';
import { cardTexts } from './card-texts.ts';
import { flowTexts } from './flow-texts.ts';
import { imageButtons } from './image-actions.ts';
import {
  cardFor,
  errorText,
  failedCard,
  finalCard,
  generatingStatus,
  queuedStatus,
  resultButtons,
  resultFields,
  taskNotes,
  waitingStatus,
} from './messages.ts';
import { createProgress } from './progress.ts';
import { withRecall } from './result-extras.ts';
import { endUndeliverable } from './undeliverable.ts';

export interface SinkDeps {
  catalog: ModelCatalog;
  live: LiveContexts;
  logger: Logger;
  /** Persists delivery data (card/thread ids, result links) with the job. */
  saveDelivery(jobId: string, patch: Record<string, unknown>): Promise<void>;
  /** Settings and the ledger: a delivered job notes the budgets its requester or channel mostly used. */
  settings: UsageStore;
  /** Whether a place told for the job still holds (JobsService.placeHolds): dropped when it does not. */
  placeHolds(job: JobView): boolean | Promise<boolean>;
  now?: () => number;
}

export function createFluxSink(deps: SinkDeps): JobSink {
  const { catalog, live, logger } = deps;
  const now = deps.now ?? Date.now;

  /** The queue line last shown per job, so a rounded place that did not change costs no edit. */
  const lastStatus = new Map<string, string>();
  const progress = createProgress();
  const placeCard = (card: Card, job: JobView): Card => ({ ...card, current: () => deps.placeHolds(job) });
  const render = async (event: JobEvent): Promise<void> => {
    if (event.type !== 'position' && event.type !== 'queued') lastStatus.delete(event.job.id);
    if (event.type !== 'progress' && event.type !== 'started') progress.forget(event.job.id);
    const job = event.job;
    const locale = jobLocale(job);
    const t = cardTexts(locale);
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
          await ctx.showCard(
            placeCard(cardFor(job, catalog, queuedStatus(event.position, locale), now()), job),
          );
        return;
      case 'position': {
        const status = queuedStatus(event.position, locale);
        if (lastStatus.get(job.id) === status) return;
        lastStatus.set(job.id, status);
        return ctx.showCard(placeCard(cardFor(job, catalog, status, now()), job));
      }
      case 'waiting':
        return ctx.showCard(cardFor(job, catalog, waitingStatus(event.reason, locale), now()));
      case 'started':
      case 'progress': {
        if (event.type === 'progress') progress.report(job.id, event.index ?? 0, event.progress);
        const status = generatingStatus(job, now(), progress.of(job));
        return ctx.showCard(cardFor(job, catalog, status, now()));
      }
      case 'ready': {
        // A card that cannot be edited (the bot removed from the channel) must not stop the result.
        await ctx
          .showCard(cardFor({ ...job, state: 'running' }, catalog, t.uploading, now()))
          .catch((err: unknown) => logger.warn({ err, jobId: job.id }, 'card not shown as uploading'));
        const images: OutputImage[] = event.images.map((img) => ({
          name: `flux-${img.seed}.${extension(img.contentType)}`,
          data: img.data,
          contentType: img.contentType,
        }));
        let posted: PostedResult;
        try {
          posted = await ctx.postResult(
            withRecall(
              {
                jobId: job.id,
                images,
                fields: resultFields(job, catalog),
                notes: taskNotes(job),
                buttons: [
                  ...resultButtons(job.id, locale),
                  ...imageButtons(
                    job.id,
                    event.images.map((img) => img.index),
                    locale,
                  ),
                ],
                ...(locale !== 'en' ? { locale } : {}),
              },
              job,
              catalog,
              locale,
              event.images.map((img) => img.index),
            ),
            threadName(job.request.prompt),
            // Each step is stored as it completes: a retry or a restart resumes after it.
            (delivery) => deps.saveDelivery(job.id, delivery),
          );
        } catch (err) {
          if (!(err instanceof FluxError && err.code === 'CHANNEL_UNAVAILABLE')) throw err;
          live.forget(job.id);
          return endUndeliverable(ctx, job, images, err, { catalog, logger, now: now() });
        }
        await deps.saveDelivery(job.id, {
          ...ctx.delivery(),
          resultUrls: posted.imageUrls,
          // Which task each link is, for a per-image "Use as reference" (some images may not have come).
          resultImages: event.images.map((img) => img.index),
          // A reroll or remix of this job links back to it.
          ...(posted.link ? { resultLink: posted.link.url } : {}),
        });
        // The images are out: a failed card edit must not make the job count as undelivered (and post twice).
        const done = cardFor({ ...job, state: 'delivered' }, catalog, t.done, now());
        await ctx
          .showCard(posted.link ? { ...done, link: posted.link } : done)
          .catch((err: unknown) => logger.warn({ err, jobId: job.id }, 'card summary not shown'));
        // Money stays personal: how much of a budget is used is the requester's to read, not the channel's.
        const warnings = await budgetNotes(deps.settings, job, now());
        if (warnings.length)
          await ctx
            .replyPrivate(warnings.map((w) => `⚠️ ${w}`).join('\n'))
            .catch((err: unknown) => logger.warn({ err, jobId: job.id }, 'budget warning not sent'));
        live.forget(job.id);
        return;
      }
      case 'failed':
        await ctx.showCard(failedCard(job, catalog, event.error, now()));
        live.forget(job.id);
        return;
      case 'cancelled':
        // Asked privately and never confirmed: no public card exists, and none should appear now.
        if (job.delivery.privateConfirm && !job.delivery.cardShown)
          await ctx.replyPrivate(flowTexts(locale).cancelledUnconfirmed);
        else await ctx.showCard(finalCard(job, catalog, t.cancelled, now()));
        live.forget(job.id);
        return;
      case 'needs_review':
        // A notice while other images of the job still come: they are delivered, with the flagged one noted.
        if (job.state !== 'needs_review') return;
        await ctx.showCard(
          finalCard(
            job,
            catalog,
            t.needsALook(errorText({ code: 'NEEDS_REVIEW', message: '', charge: 'unknown' }, locale)),
            now(),
          ),
        );
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
