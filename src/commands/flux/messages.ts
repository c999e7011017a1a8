/**
 * What /flux says, platform-neutral: the status card, the result details, and every error in words.
 * This is the edge where error codes become user text; adapters only lay it out.
 */
import { BudgetError } from '../../core/budgets.ts';
import type { FluxError } from '../../core/errors.ts';
import { ValidationError } from '../../core/errors.ts';
import type { HoldReason, JobError, JobView } from '../../core/job-types.ts';
import type { ModelCatalog } from '../../core/models.ts';
import { formatUsd } from '../../core/pricing.ts';
import { megapixels, seedAt } from '../../core/request.ts';
import { codeSpan } from '../code-span.ts';
import type { Button, Card, Field } from '../context.ts';
import { budgetLine } from '../usage.ts';

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
  if (job.state === 'delivered' || job.state === 'ready') {
    card.summary = doneSummary(job, now);
    card.final = true;
  }
  return card;
}

/** A card that changes no more (failed, cancelled, deleted …): no buttons, and shown at once, never coalesced. */
export function finalCard(
  job: JobView,
  catalog: ModelCatalog,
  status: string,
  now: number,
  summary?: string,
): Card {
  return { ...cardFor(job, catalog, status, now), buttons: [], final: true, ...(summary ? { summary } : {}) };
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

export function generatingStatus(job: JobView, now = Date.now()): string {
  const started = job.startedAt ?? now;
  return `Generating · ${Math.max(0, Math.round((now - started) / 1000))} s`;
}

export function doneSummary(job: JobView, now = Date.now()): string {
  const seconds = (((job.finishedAt ?? now) - job.createdAt) / 1000).toFixed(1);
  return `Done in ${seconds} s · ${formatUsd(job.costMicros ?? 0)} · see thread`;
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

const CHARGE_TEXT = {
  none: 'Not charged.',
  charged: 'This was charged.',
  unknown: 'It may have been charged; an admin can check.',
} as const;

/** Every error in words: what happened, what to do, and whether money was spent. */
export function errorText(err: FluxError | JobError): string {
  if (err instanceof BudgetError) {
    return `This would go over ${budgetLine(err.state, Date.now())}; it needs ~${formatUsd(err.estimateMicros)}. Nothing was queued or charged.`;
  }
  if (err instanceof ValidationError) {
    if (err.code === 'MISSING_PROMPT') return `Please add a prompt: ${err.allowed}.`;
    // Option names and values are echoed as typed (a flag, a file name, a link): always via codeSpan.
    if (err.code === 'UNKNOWN_OPTION')
      return `Unknown option ${codeSpan(err.got ?? err.option)}. Valid options: ${err.allowed}.`;
    if (err.code === 'QUEUE_FULL')
      return `You have too many images waiting (${err.allowed}). Try again when some are done.`;
    if (err.code === 'MODEL_NOT_ALLOWED')
      return `Model ${codeSpan(err.got ?? '')} is not allowed here. Allowed: ${err.allowed}.`;
    const got = err.got === undefined ? '' : ` (got ${codeSpan(err.got)})`;
    return `${codeSpan(err.option)}${got}: allowed ${err.allowed}. Nothing was queued or charged.`;
  }
  const charge = CHARGE_TEXT[err.charge];
  switch (err.code) {
    case 'REQUEST_MODERATED':
      return `The provider's safety filter refused the prompt or a reference image. ${charge}`;
    case 'CONTENT_MODERATED':
      return `The provider's safety filter refused the generated image; another seed may pass. ${charge}`;
    case 'PROVIDER_OUT_OF_CREDITS':
      return `The image service is out of credits; the server's admins have been told. ${charge}`;
    case 'PROVIDER_AUTH':
      return `The bot's image service key was refused; an admin needs to fix the configuration. ${charge}`;
    case 'PROVIDER_REJECTED':
      // The provider's words may quote the prompt back: quoted like a member's value.
      return `The image service rejected the request${'detail' in err && err.detail ? `: ${codeSpan(err.detail, 300)}` : ''}. ${charge}`;
    case 'PROVIDER_RATE_LIMITED':
    case 'PROVIDER_UNAVAILABLE':
      return `The image service is not answering right now; please try again in a few minutes. ${charge}`;
    case 'TASK_TIMEOUT':
      return `The image took too long to generate. ${charge}`;
    case 'NEEDS_REVIEW':
      return `The bot restarted while sending this request, so it cannot tell whether it ran. ${charge}`;
    case 'NOT_ADMIN':
      return 'Only server admins can change FLUX settings.';
    case 'CONFIRMATION_EXPIRED':
      return 'This request expired before it was confirmed; nothing was charged. Run it again if you still want it.';
    case 'JOB_NOT_FOUND':
      return 'This image is no longer known to the bot (it may have been deleted).';
    case 'JOB_NOT_CANCELLABLE':
      return 'This image has already started and can no longer be cancelled.';
    case 'CHANNEL_UNAVAILABLE':
      return 'I can’t post in this channel yet. Add me with `/invite @FLUX` (or mention me and choose “Add to channel”), then try again. Nothing was queued or charged.';
    case 'STORE_UNAVAILABLE':
      return "The bot's storage is unavailable right now, so it is not starting new images; the bot's operator needs to fix it. Nothing was charged.";
    case 'SHUTTING_DOWN':
      return `The bot is restarting; your image is kept and will continue shortly. ${charge}`;
    case 'DOWNLOAD_TOO_LARGE':
    case 'DOWNLOAD_FAILED':
    case 'NOT_AN_IMAGE':
      return `The generated image could not be fetched from the provider. ${charge}`;
    default:
      return `Something went wrong generating this image. ${charge}`;
  }
}
