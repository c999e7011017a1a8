/**
 * A paid image whose place closed after the card went up (the bot removed from the channel, the channel
 * archived or deleted, the thread locked): the requester is told privately — with the image where the
 * route takes files — and the job ends `undeliverable`, still charged, for an admin to see.
 */
import { type FluxError, UndeliverableError } from '../../core/errors.ts';
import type { JobView } from '../../core/job-types.ts';
import type { Logger } from '../../core/logger.ts';
import type { ModelCatalog } from '../../core/models.ts';
import { formatUsd } from '../../core/pricing.ts';
import type { CommandContext, OutputImage } from '../context.ts';
import { finalCard } from './messages.ts';

/** What the requester reads. Paid for, so never "nothing was charged". */
export function undeliverableText(job: JobView): string {
  const cost = formatUsd(job.costMicros ?? 0);
  return (
    `Your /flux image is ready, but I can no longer post in the channel where you asked for it ` +
    `(I may have been removed, or the channel or thread was closed). It was generated and charged (${cost}). ` +
    `If it is not attached here, an admin can find it as job ${job.id}.`
  );
}

export const UNDELIVERABLE_SUMMARY =
  'Not delivered: I can no longer post here · the requester was told privately';

/** Tells the requester, tries to say so on the card, and throws the UndeliverableError that ends the job. */
export async function endUndeliverable(
  ctx: CommandContext,
  job: JobView,
  images: OutputImage[],
  cause: FluxError,
  deps: { catalog: ModelCatalog; logger: Logger; now: number },
): Promise<never> {
  const told = await ctx.tellRequester(undeliverableText(job), images);
  if (!told.told) deps.logger.warn({ jobId: job.id }, 'undeliverable job: the requester could not be told');
  // The card is in the closed place too; where it can still be edited, it should not say "Uploading".
  await ctx
    .showCard(
      finalCard(
        { ...job, state: 'undeliverable' },
        deps.catalog,
        'Not delivered',
        deps.now,
        UNDELIVERABLE_SUMMARY,
      ),
    )
    .catch(() => undefined);
  throw new UndeliverableError(cause.message, told.imagesSent, { cause });
}
