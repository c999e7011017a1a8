/** `/flux history` in words: the member's recent jobs here, one line each, newest first. */
import type { Platform } from '../../core/job-types.ts';
import type { JobRow } from '../../core/store/types.ts';
import { codeSpan } from '../code-span.ts';
import { formatMoney, formatNumber, formatUtc } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import { shortId } from './short-id.ts';
import { recallUsage } from './show.ts';
import { recallTexts, stateTexts } from './texts.ts';

export const HISTORY_LENGTH = 10;
/** Enough of a prompt to recognise it; ten lines must fit one message. */
const PROMPT_CHARS = 60;

export function historyText(jobs: JobRow[], platform: Platform, locale: Locale): string {
  const t = recallTexts(locale);
  const usage = recallUsage(platform);
  if (!jobs.length) return t.historyEmpty(usage.flux);
  const lines = jobs.map((job) => {
    const money =
      job.costMicros !== undefined
        ? formatMoney(job.costMicros, locale)
        : `~${formatMoney(job.estimateMicros, locale)}`;
    const link = job.delivery.resultLink;
    return [
      `• ${codeSpan(shortId(job.id))}`,
      stateTexts(locale)[job.state],
      money,
      formatUtc(job.createdAt, locale),
      codeSpan(job.request.prompt, PROMPT_CHARS),
      ...(typeof link === 'string' && /^https:\/\//.test(link) ? [link] : []),
    ].join(' · ');
  });
  return [t.historyTitle(formatNumber(jobs.length, locale)), ...lines, t.historyHint(usage.show)].join('\n');
}
