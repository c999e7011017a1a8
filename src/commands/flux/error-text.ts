/**
 * Every error in words — what happened, whether money was spent, what to do — and which failures
 * another seed may fix (they get "Retry with a new seed"). The edge where error codes become user text.
 */

import { BudgetError } from '../../core/budgets.ts';
import type { ErrorCode, FluxError } from '../../core/errors.ts';
import { ValidationError } from '../../core/errors.ts';
import type { JobError } from '../../core/job-types.ts';
import { codeSpan } from '../code-span.ts';
import { formatMoney } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import { budgetLine } from '../usage.ts';
import { allowedIn } from './allowed-texts.ts';
import { BudgetRefusal } from './budget-fit.ts';
import { errorTexts } from './error-texts.ts';

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
const NEXT_STEP: Partial<
  Record<ErrorCode, 'nextModerated' | 'nextOutOfCredits' | 'nextRejected' | 'nextReview'>
> = {
  REQUEST_MODERATED: 'nextModerated',
  PROVIDER_OUT_OF_CREDITS: 'nextOutOfCredits',
  PROVIDER_REJECTED: 'nextRejected',
  NEEDS_REVIEW: 'nextReview',
};

/** A failed job's whole message: what happened, whether it was charged, and what to do now. */
export function failureText(err: JobError, locale: Locale = 'en'): string {
  const t = errorTexts(locale);
  const step = NEXT_STEP[err.code];
  const next = mayRetry(err) ? t.nextRetry : step ? t[step] : undefined;
  return next ? `${errorText(err, locale)}${gap(locale)}${next}` : errorText(err, locale);
}

/** Sentences are spaced in English, not in Chinese. */
function gap(locale: Locale): string {
  return locale === 'en' ? ' ' : '';
}

const CHARGE_KEY = { none: 'chargeNone', charged: 'chargeCharged', unknown: 'chargeUnknown' } as const;

/** Every error in words: what happened, what to do, and whether money was spent. */
export function errorText(err: FluxError | JobError, locale: Locale = 'en'): string {
  const t = errorTexts(locale);
  const sp = gap(locale);
  if (err instanceof BudgetError) {
    const fit = err instanceof BudgetRefusal ? `${sp}${err.suggestion}` : '';
    return `${t.budget(budgetLine(err.state, Date.now(), locale), formatMoney(err.estimateMicros, locale))}${fit}`;
  }
  if (err instanceof ValidationError) {
    const allowed = allowedIn(err.allowed, locale);
    if (err.code === 'MISSING_PROMPT') return t.missingPrompt(allowed);
    // Option names and values are echoed as typed (a flag, a file name, a link): always via codeSpan.
    if (err.code === 'UNKNOWN_OPTION') return t.unknownOption(codeSpan(err.got ?? err.option), err.allowed);
    if (err.code === 'QUEUE_FULL') return t.queueFull(allowed);
    if (err.code === 'MODEL_NOT_ALLOWED') return t.modelNotAllowed(codeSpan(err.got ?? ''), err.allowed);
    const got = err.got === undefined ? '' : t.got(codeSpan(err.got));
    return t.invalid(codeSpan(err.option), got, allowed);
  }
  const charge = `${sp}${t[CHARGE_KEY[err.charge]]}`;
  switch (err.code) {
    case 'REQUEST_MODERATED':
      return `${t.requestModerated}${charge}`;
    case 'CONTENT_MODERATED':
      return `${t.contentModerated}${charge}`;
    case 'PROVIDER_OUT_OF_CREDITS':
      return `${t.outOfCredits}${charge}`;
    case 'PROVIDER_AUTH':
      return `${t.auth}${charge}`;
    case 'PROVIDER_REJECTED': {
      // The provider's words may quote the prompt back: quoted like a member's value.
      const detail = 'detail' in err && err.detail ? `: ${codeSpan(err.detail, 300)}` : '';
      return `${t.rejected(detail)}${charge}`;
    }
    case 'PROVIDER_RATE_LIMITED':
    case 'PROVIDER_UNAVAILABLE':
      return `${t.unavailable}${charge}`;
    case 'TASK_TIMEOUT':
      return `${t.timeout}${charge}`;
    case 'NEEDS_REVIEW':
      return `${t.review}${charge}`;
    case 'NOT_ADMIN':
      return t.notAdmin;
    case 'CONFIRMATION_EXPIRED':
      return t.expired;
    case 'JOB_NOT_FOUND':
      return t.notFound;
    case 'JOB_NOT_CANCELLABLE':
      return t.notCancellable;
    case 'CHANNEL_UNAVAILABLE':
      return t.channel;
    case 'STORE_UNAVAILABLE':
      return t.store;
    case 'SHUTTING_DOWN':
      return `${t.shuttingDown}${charge}`;
    case 'DOWNLOAD_TOO_LARGE':
    case 'DOWNLOAD_FAILED':
    case 'NOT_AN_IMAGE':
      return `${t.download}${charge}`;
    default:
      return `${t.other}${charge}`;
  }
}

/** What a member reads when the bot itself failed (a bug): nothing was charged. */
export function bugText(locale: Locale = 'en'): string {
  return errorTexts(locale).bug;
}
