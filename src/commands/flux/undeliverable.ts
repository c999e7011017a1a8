/**
 * A paid image whose place closed after the card went up (the bot removed from the channel, the channel
 * archived or deleted, the thread locked): the requester is told privately — with the image where the
 * route takes files — and the job ends `undeliverable`, still charged, for an admin to see.
 */
import { type FluxError, UndeliverableError } from '../../core/errors.ts';
import type { JobView } from '../../core/job-types.ts';
import type { Logger } from '../../core/logger.ts';
import type { ModelCatalog } from '../../core/models.ts';
import type { CommandContext, OutputImage } from '../context.ts';
import { formatMoney } from '../i18n/format.ts';
import { jobLocale } from '../i18n/locale.ts';
import { flowTexts } from './flow-texts.ts';
import { finalCard } from './messages.ts';

/** What the requester reads. Paid for, so never "nothing was charged". */
export function undeliverableText(job: JobView): string {
  const locale = jobLocale(job);
  return flowTexts(locale).undeliverable(formatMoney(job.costMicros ?? 0, locale), job.id);
}

export const UNDELIVERABLE_SUMMARY = flowTexts('en').notDeliveredSummary;

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
  const t = flowTexts(jobLocale(job));
  await ctx
    .showCard(
      finalCard(
        { ...job, state: 'undeliverable' },
        deps.catalog,
        t.notDelivered,
        deps.now,
        t.notDeliveredSummary,
      ),
    )
    .catch(() => undefined);
  throw new UndeliverableError(cause.message, told.imagesSent, { cause });
}
