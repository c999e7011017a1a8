/**
 * What /flux says, platform-neutral: the status card, the result details, and the failure card. Errors
 * in words are in error-text.ts (re-exported here); adapters only lay it out.
 */
import type { HoldReason, JobError, JobView } from '../../core/job-types.ts';
import type { ModelCatalog } from '../../core/models.ts';
import { formatUsd } from '../../core/pricing.ts';
import { megapixels, seedAt } from '../../core/request.ts';
import type { Button, Card, Field } from '../context.ts';
import { errorText, failureText, mayRetry } from './error-text.ts';

export { errorText, failureText, mayRetry } from './error-text.ts';

export function sizeLabel(width: number, height: number): string {
  return `${width}×${height} · ${megapixels(width, height).toFixed(2)} MP`;
}

export function seedsLabel(job: Pick<JobView, 'request'>): string {
  const { request } = job;
  if (request.count === 1) return String(request.seed);
  return Array.from({ length: request.count }, (_, i) => seedAt(request, i)).join(', ');
}

export function requestFields(job: JobView, catalog: ModelCatalog): Field[] {
  const r = job.request;
  const fields: Field[] = [
    { label: 'Model', value: catalog[r.model].label },
    { label: 'Size', value: sizeLabel(r.width, r.height) },
    { label: r.count > 1 ? 'Seeds' : 'Seed', value: seedsLabel(job), code: true },
  ];
  if (r.count > 1) fields.push({ label: 'Images', value: String(r.count) });
  if (r.references.length) fields.push({ label: 'References', value: referencesLabel(job) });
  if (r.model === 'flex') fields.push({ label: 'Steps · guidance', value: `${r.steps} · ${r.guidance}` });
  return fields;
}

function referencesLabel(job: JobView): string {
  return job.request.references.map((ref, i) => ref.name ?? `image ${i + 1}`).join(', ');
}

export function cardFor(job: JobView, catalog: ModelCatalog, status: string, now = Date.now()): Card {
  const cancel: Button = { action: 'cancel', jobId: job.id, label: 'Cancel', style: 'secondary' };
  const confirm: Button = {
    action: 'confirm',
    jobId: job.id,
    label: `Confirm ~${formatUsd(job.estimateMicros)}`,
    style: 'primary',
  };
  // A draft card (no job yet) has no buttons: there is nothing to cancel.
  const buttons: Button[] = !job.id
    ? []
    : job.state === 'awaiting_confirmation'
      ? [confirm, cancel]
      : job.state === 'queued'
        ? [cancel]
        : [];
  const card: Card = {
    title: `${job.origin.userName ?? 'Someone'} asked for`,
    prompt: job.request.prompt,
    fields: [
      ...requestFields(job, catalog),
      { label: 'Estimated cost', value: `~${formatUsd(job.estimateMicros)}` },
    ],
    status,
    buttons,
    final: false,
  };
  const from = fromOf(job);
  if (from) card.from = from;
  if (job.state === 'delivered' || job.state === 'ready') {
    card.summary = doneSummary(job, now);
    // What a member comes back for: the settings to copy (the seed!) and what it cost.
    card.fields = [
      ...requestFields(job, catalog).filter((f) => f.label !== 'References'),
      { label: 'Cost', value: formatUsd(job.costMicros ?? 0) },
    ];
    card.final = true;
  }
  return card;
}

/** Where a job came from, as the command that made it stored it with the job (delivery `from`). */
export interface JobFrom {
  kind: 'reroll' | 'remix' | 'retry' | 'reference';
  /** The parent's result link, when it has one. */
  url?: string;
}

const FROM_TEXT: Record<JobFrom['kind'], string> = {
  reroll: 'Reroll of an earlier image',
  remix: 'Remix of an earlier image',
  retry: 'Retry of a failed image',
  reference: 'Made from an earlier image',
};

function fromOf(job: JobView): Card['from'] | undefined {
  const from = job.delivery.from as Partial<JobFrom> | undefined;
  if (!from || typeof from.kind !== 'string' || !Object.hasOwn(FROM_TEXT, from.kind)) return undefined;
  const text = FROM_TEXT[from.kind as JobFrom['kind']];
  return typeof from.url === 'string' ? { text, url: from.url } : { text };
}

/** The card of a failed job: its own look, its requester mentioned, and Retry where another seed may pass. */
export function failedCard(job: JobView, catalog: ModelCatalog, error: JobError, now: number): Card {
  const retry: Button[] = mayRetry(error)
    ? [{ action: 'retry', jobId: job.id, label: 'Retry with a new seed', style: 'primary' }]
    : [];
  return {
    ...cardFor(job, catalog, 'Failed', now),
    buttons: retry,
    failure: { requesterId: job.origin.userId, text: failureText(error) },
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

export function queuedStatus(position: number): string {
  if (position <= 1) return 'Queued · next in line';
  // Far back in a long queue the exact place changes every moment; rounding saves edits nobody needs.
  if (position > 10) return `Queued · about #${Math.ceil(position / 10) * 10} in line`;
  return `Queued · #${position} in line`;
}

const HOLD_TEXT: Record<HoldReason, string> = {
  out_of_credits: 'the provider account is out of credits; it continues as soon as credits are added',
};

/** The card of a job that could run but is held for everyone, and why. */
export function waitingStatus(reason: HoldReason): string {
  return `Waiting · ${HOLD_TEXT[reason]}`;
}

/** "Generating · 3 s", or with the provider's share done when it reports one: "Generating · 42% · 3 s". */
export function generatingStatus(job: JobView, now = Date.now(), progress?: number): string {
  const started = job.startedAt ?? now;
  const share = progress === undefined ? '' : ` · ${Math.round(Math.min(1, Math.max(0, progress)) * 100)}%`;
  return `Generating${share} · ${Math.max(0, Math.round((now - started) / 1000))} s`;
}

export function doneSummary(job: JobView, now = Date.now()): string {
  const seconds = (((job.finishedAt ?? now) - job.createdAt) / 1000).toFixed(1);
  return `Done in ${seconds} s · ${formatUsd(job.costMicros ?? 0)}`;
}

export function resultFields(job: JobView, catalog: ModelCatalog): Field[] {
  const fields: Field[] = [{ label: 'Prompt', value: job.request.prompt }, ...requestFields(job, catalog)];
  const seconds = (((job.finishedAt ?? Date.now()) - (job.startedAt ?? job.createdAt)) / 1000).toFixed(1);
  fields.push({ label: 'Time', value: `${seconds} s` });
  fields.push({ label: 'Cost', value: formatUsd(job.costMicros ?? 0) });
  return fields;
}

export function resultButtons(jobId: string): Button[] {
  return [
    { action: 'reroll', jobId, label: 'Reroll', style: 'primary' },
    { action: 'remix', jobId, label: 'Remix', style: 'secondary' },
    { action: 'use-ref', jobId, label: 'Use as reference', style: 'secondary' },
    { action: 'delete', jobId, label: 'Delete', style: 'danger' },
  ];
}

/** Notes under a partial result: which images did not come and whether they cost anything. */
export function taskNotes(job: JobView): string[] {
  return job.tasks
    .filter((t) => t.error)
    .map((t) => `Image ${t.index + 1} (seed ${t.seed}): ${errorText(t.error as JobError)}`);
}
