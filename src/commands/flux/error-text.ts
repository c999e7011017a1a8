/**
 * Every error in words — what happened, whether money was spent, what to do — and which failures
 * another seed may fix (they get "Retry with a new seed"). The edge where error codes become user text.
 */
import { BudgetError } from '../../core/budgets.ts';
import type { ErrorCode, FluxError } from '../../core/errors.ts';
import { ValidationError } from '../../core/errors.ts';
import type { JobError } from '../../core/job-types.ts';
import { formatUsd } from '../../core/pricing.ts';
import { codeSpan } from '../code-span.ts';
import { budgetLine } from '../usage.ts';
import { BudgetRefusal } from './budget-fit.ts';

/** Failures that may pass on another try with a new seed: output moderation and the provider's trouble. */
const RETRYABLE = new Set<ErrorCode>([
  'CONTENT_MODERATED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_PROTOCOL',
  'TASK_FAILED',
  'TASK_NOT_FOUND',
  'TASK_TIMEOUT',
  'DOWNLOAD_FAILED',
  'DOWNLOAD_TOO_LARGE',
  'NOT_AN_IMAGE',
]);

export function mayRetry(err: Pick<JobError, 'code'>): boolean {
  return RETRYABLE.has(err.code);
}

/** What the requester can do about a failed job, after what happened. */
const NEXT_STEP: Partial<Record<ErrorCode, string>> = {
  REQUEST_MODERATED: 'Change the prompt or the reference images and try again.',
  PROVIDER_OUT_OF_CREDITS: 'Try again once an admin has added credits.',
  PROVIDER_REJECTED: 'Check the options and try again.',
  NEEDS_REVIEW: 'An admin can look it up; run it again if you still want it.',
};

/** A failed job's whole message: what happened, whether it was charged, and what to do now. */
export function failureText(err: JobError): string {
  const next = mayRetry(err) ? 'Press “Retry with a new seed” to try again.' : NEXT_STEP[err.code];
  return next ? `${errorText(err)} ${next}` : errorText(err);
}

const CHARGE_TEXT = {
  none: 'Not charged.',
  charged: 'This was charged.',
  unknown: 'It may have been charged; an admin can check.',
} as const;

/** Every error in words: what happened, what to do, and whether money was spent. */
export function errorText(err: FluxError | JobError): string {
  if (err instanceof BudgetError) {
    const fit = err instanceof BudgetRefusal ? ` ${err.suggestion}` : '';
    return `This would go over ${budgetLine(err.state, Date.now())}; it needs ~${formatUsd(err.estimateMicros)}. Nothing was queued or charged.${fit}`;
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
