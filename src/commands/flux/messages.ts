/**
 * What /flux says, platform-neutral: the status card, the result details, and the failure card, in the
 * requester's language (stored with the job). Errors in words are in error-text.ts (re-exported here);
 * the words themselves in card-texts.ts; adapters only lay it out.
 */
import type { HoldReason, JobError, JobView } from '../../core/job-types.ts';
import type { ModelCatalog } from '../../core/models.ts';
import { megapixels, seedAt } from '../../core/request.ts';
import type { Button, Card, Field } from '../context.ts';
import { formatMoney, formatNumber } from '../i18n/format.ts';
import { jobLocale, type Locale } from '../i18n/locale.ts';
import { cardTexts } from './card-texts.ts';
import { errorText, failureText, mayRetry } from './error-text.ts';

export { bugText, errorText, failureText, mayRetry } from './error-text.ts';

export function sizeLabel(width: number, height: number, locale: Locale = 'en'): string {
  return `${width}×${height} · ${formatNumber(megapixels(width, height), locale, 2)} MP`;
}

export function seedsLabel(job: Pick<JobView, 'request'>): string {
  const { request } = job;
  if (request.count === 1) return String(request.seed);
  return Array.from({ length: request.count }, (_, i) => seedAt(request, i)).join(', ');
}

export function requestFields(job: JobView, catalog: ModelCatalog): Field[] {
  const r = job.request;
  const locale = jobLocale(job);
  const t = cardTexts(locale);
  const fields: Field[] = [
    { label: t.model, value: catalog[r.model].label },
    { label: t.size, value: sizeLabel(r.width, r.height, locale) },
    { label: r.count > 1 ? t.seeds : t.seed, value: seedsLabel(job), code: true },
  ];
  if (r.count > 1) fields.push({ label: t.images, value: String(r.count) });
  if (r.references.length)
    fields.push({ label: t.references, value: referencesLabel(job), key: 'references' });
  if (r.model === 'flex') fields.push({ label: t.stepsGuidance, value: `${r.steps} · ${r.guidance}` });
  return fields;
}

function referencesLabel(job: JobView): string {
  const t = cardTexts(jobLocale(job));
  return job.request.references.map((ref, i) => ref.name ?? t.referenceN(String(i + 1))).join(', ');
}

export function cardFor(job: JobView, catalog: ModelCatalog, status: string, now = Date.now()): Card {
  const locale = jobLocale(job);
  const t = cardTexts(locale);
  const estimate = formatMoney(job.estimateMicros, locale);
  const cancel: Button = { action: 'cancel', jobId: job.id, label: t.cancel, style: 'secondary' };
  const confirm: Button = { action: 'confirm', jobId: job.id, label: t.confirm(estimate), style: 'primary' };
  // A draft card (no job yet) has no buttons: there is nothing to cancel.
  const buttons: Button[] = !job.id
    ? []
    : job.state === 'awaiting_confirmation'
      ? [confirm, cancel]
      : job.state === 'queued'
        ? [cancel]
        : [];
  const card: Card = {
    title: t.askedFor(job.origin.userName ?? t.someone),
    requesterId: job.origin.userId,
    prompt: job.request.prompt,
    fields: [...requestFields(job, catalog), { label: t.estimate, value: `~${estimate}` }],
    status,
    buttons,
    final: false,
  };
  if (locale !== 'en') card.locale = locale;
  const from = fromOf(job);
  if (from) card.from = from;
  if (job.state === 'delivered' || job.state === 'ready') {
    card.summary = doneSummary(job, now);
    // What a member comes back for: the settings to copy (the seed!) and what it cost.
    card.fields = [
      ...requestFields(job, catalog).filter((f) => f.key !== 'references'),
      { label: t.cost, value: formatMoney(job.costMicros ?? 0, locale), key: 'cost' },
    ];
    card.final = true;
  }
  return card;
}

/** Where a job came from, as the command that made it stored it with the job (delivery `from`). */
export interface JobFrom {
  kind: 'reroll' | 'remix' | 'retry' | 'reference' | 'final';
  /** The parent's result link, when it has one. */
  url?: string;
}

const FROM_TEXT = {
  reroll: 'fromReroll',
  remix: 'fromRemix',
  retry: 'fromRetry',
  reference: 'fromReference',
  final: 'fromFinal',
} as const satisfies Record<JobFrom['kind'], string>;

function fromOf(job: JobView): Card['from'] | undefined {
  const from = job.delivery.from as Partial<JobFrom> | undefined;
  if (!from || typeof from.kind !== 'string' || !Object.hasOwn(FROM_TEXT, from.kind)) return undefined;
  const text = cardTexts(jobLocale(job))[FROM_TEXT[from.kind as JobFrom['kind']]];
  return typeof from.url === 'string' ? { text, url: from.url } : { text };
}

/** The card of a failed job: its own look, its requester mentioned, and Retry where another seed may pass. */
export function failedCard(job: JobView, catalog: ModelCatalog, error: JobError, now: number): Card {
  const locale = jobLocale(job);
  const t = cardTexts(locale);
  const retry: Button[] = mayRetry(error)
    ? [{ action: 'retry', jobId: job.id, label: t.retry, style: 'primary' }]
    : [];
  return {
    ...cardFor(job, catalog, t.failed, now),
    buttons: retry,
    failure: { requesterId: job.origin.userId, text: failureText(error, locale) },
    final: true,
  };
}

/** A card that changes no more (failed, cancelled, deleted …): no buttons, and shown at once, never coalesced. */
export function finalCard(
  job: JobView,
  catalog: ModelCatalog,
  status: string,
  now: number,
  summary?: string,
): Card {
  // A one-line summary (deleted, not queued …) stands alone: no settings under it.
  const last = { ...cardFor(job, catalog, status, now), buttons: [], final: true };
  return summary ? { ...last, summary, fields: [] } : last;
}

export function queuedStatus(position: number, locale: Locale = 'en'): string {
  const t = cardTexts(locale);
  if (position <= 1) return t.queuedNext;
  // Far back in a long queue the exact place changes every moment; rounding saves edits nobody needs.
  if (position > 10) return t.queuedAbout(String(Math.ceil(position / 10) * 10));
  return t.queuedAt(String(position));
}

const HOLD_TEXT = { out_of_credits: 'outOfCredits' } as const satisfies Record<HoldReason, string>;

/** The card of a job that could run but is held for everyone, and why. */
export function waitingStatus(reason: HoldReason, locale: Locale = 'en'): string {
  const t = cardTexts(locale);
  return t.waiting(t[HOLD_TEXT[reason]]);
}

/** "Generating · 3 s", or with the provider's share done when it reports one: "Generating · 42% · 3 s". */
export function generatingStatus(job: JobView, now = Date.now(), progress?: number): string {
  const started = job.startedAt ?? now;
  const share = progress === undefined ? '' : `${Math.round(Math.min(1, Math.max(0, progress)) * 100)}%`;
  return cardTexts(jobLocale(job)).generating(String(Math.max(0, Math.round((now - started) / 1000))), share);
}

export function doneSummary(job: JobView, now = Date.now()): string {
  const locale = jobLocale(job);
  const seconds = formatNumber(((job.finishedAt ?? now) - job.createdAt) / 1000, locale, 1);
  return cardTexts(locale).doneIn(seconds, formatMoney(job.costMicros ?? 0, locale));
}

export function resultFields(job: JobView, catalog: ModelCatalog): Field[] {
  const locale = jobLocale(job);
  const t = cardTexts(locale);
  const fields: Field[] = [
    { label: t.prompt, value: job.request.prompt, key: 'prompt' },
    ...requestFields(job, catalog),
  ];
  const seconds = ((job.finishedAt ?? Date.now()) - (job.startedAt ?? job.createdAt)) / 1000;
  fields.push({ label: t.time, value: t.seconds(formatNumber(seconds, locale, 1)) });
  fields.push({ label: t.cost, value: formatMoney(job.costMicros ?? 0, locale), key: 'cost' });
  return fields;
}

export function resultButtons(jobId: string, locale: Locale = 'en'): Button[] {
  const t = cardTexts(locale);
  return [
    { action: 'reroll', jobId, label: t.reroll, style: 'primary' },
    { action: 'remix', jobId, label: t.remix, style: 'secondary' },
    { action: 'use-ref', jobId, label: t.useRef, style: 'secondary' },
    { action: 'delete', jobId, label: t.delete, style: 'danger' },
  ];
}

/** Notes under a partial result: which images did not come and whether they cost anything. */
export function taskNotes(job: JobView): string[] {
  const locale = jobLocale(job);
  return job.tasks
    .filter((t) => t.error)
    .map((t) =>
      cardTexts(locale).imageNote(
        String(t.index + 1),
        String(t.seed),
        errorText(t.error as JobError, locale),
      ),
    );
}
