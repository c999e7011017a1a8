/**
 * `/flux show <id>` in words: everything about one job, and the command that makes it again. Written
 * with `**bold**` and code spans only (each platform renders them); what a member typed stays in spans.
 */
import type { JobView, Platform } from '../../core/job-types.ts';
import type { ModelCatalog } from '../../core/models.ts';
import { codeSpan } from '../code-span.ts';
import { draftOf } from '../flux/draft.ts';
import { seedsLabel, sizeLabel } from '../flux/messages.ts';
import { formatMoney, formatNumber, formatUtc } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import { reproduceCommand } from './reproduce.ts';
import { shortId } from './short-id.ts';
import { recallTexts, stateTexts } from './texts.ts';

/** How a member types recall on each platform. */
export function recallUsage(platform: Platform): { show: string; history: string; flux: string } {
  return platform === 'discord'
    ? { show: '`/flux-show id:…`', history: '`/flux-history`', flux: '`/flux`' }
    : { show: '`/flux show <id>`', history: '`/flux history`', flux: '`/flux`' };
}

/** A prompt in a one-line listing or a detail: long enough to recognise, short enough for one message. */
const PROMPT_CHARS = 300;
/** Discord's message holds 2000 characters; the rest of the answer needs the remainder. */
const COMMAND_CHARS = 1200;

export function showText(
  job: JobView,
  catalog: ModelCatalog,
  platform: Platform,
  locale: Locale,
  asker: string,
): string {
  const t = recallTexts(locale);
  const r = job.request;
  const lines = [t.title(shortId(job.id), stateTexts(locale)[job.state])];
  lines.push(`${t.prompt}: ${codeSpan(r.prompt, PROMPT_CHARS)}`);
  lines.push(
    [
      `${t.model}: ${catalog[r.model].label}`,
      `${t.size}: ${sizeLabel(r.width, r.height)}`,
      `${r.count > 1 ? t.seeds : t.seed}: ${codeSpan(seedsLabel(job))}`,
      ...(r.count > 1 ? [`${t.images}: ${formatNumber(r.count, locale)}`] : []),
    ].join(' · '),
  );
  const options = [
    ...(r.steps !== undefined ? [`${t.steps} ${r.steps}`] : []),
    ...(r.guidance !== undefined ? [`${t.guidance} ${formatNumber(r.guidance, locale, 1)}`] : []),
    `${t.safety} ${r.safety}`,
    `${t.format} ${r.format}`,
    ...(catalog[r.model].upsampling === 'none' ? [] : [r.upsample ? t.upsamplingOn : t.upsamplingOff]),
  ];
  lines.push(`${t.options}: ${options.join(' · ')}`);
  if (r.references.length) lines.push(`${t.references}: ${formatNumber(r.references.length, locale)}`);
  lines.push(
    job.costMicros !== undefined
      ? `${t.cost}: ${formatMoney(job.costMicros, locale)}`
      : `${t.estimate}: ~${formatMoney(job.estimateMicros, locale)}`,
  );
  const when = `${t.asked}: ${formatUtc(job.createdAt, locale)}`;
  lines.push(job.origin.userId === asker ? when : `${when} · ${t.by}: <@${job.origin.userId}>`);
  const link = job.delivery.resultLink;
  if (typeof link === 'string' && /^https:\/\//.test(link)) lines.push(`${t.result}: ${link}`);
  if (draftOf(job)) lines.push(t.draft);
  lines.push(`${t.reproduce}: ${codeSpan(reproduceCommand(r, platform), COMMAND_CHARS)}`);
  if (r.references.length) lines.push(t.referencesNote(formatNumber(r.references.length, locale)));
  return lines.join('\n');
}
