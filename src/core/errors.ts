/**
 * Typed errors with stable codes. The core never writes user-facing prose: front ends map `code`
 * (and the structured fields) to text at the edge. `message` is for logs and must never hold a secret.
 */

export type ErrorCode =
  // Bad input: nothing was queued or spent.
  | 'INVALID_OPTION'
  | 'UNKNOWN_OPTION'
  | 'MISSING_PROMPT'
  | 'MODEL_NOT_ALLOWED'
  | 'REFERENCE_INVALID'
  | 'QUEUE_FULL'
  | 'BUDGET_EXCEEDED'
  | 'CONFIRMATION_EXPIRED'
  | 'NOT_ADMIN'
  // Provider answers.
  | 'PROVIDER_OUT_OF_CREDITS'
  | 'PROVIDER_AUTH'
  | 'PROVIDER_REJECTED'
  | 'PROVIDER_RATE_LIMITED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_PROTOCOL'
  | 'REQUEST_MODERATED'
  | 'CONTENT_MODERATED'
  | 'TASK_FAILED'
  | 'TASK_NOT_FOUND'
  | 'TASK_TIMEOUT'
  | 'DOWNLOAD_FAILED'
  | 'DOWNLOAD_TOO_LARGE'
  | 'NOT_AN_IMAGE'
  // Job lifecycle.
  | 'JOB_NOT_FOUND'
  | 'JOB_NOT_CANCELLABLE'
  | 'NEEDS_REVIEW'
  | 'SHUTTING_DOWN'
  // The bot's own storage cannot keep new work (disk full, database file removed): nothing was started.
  | 'STORE_UNAVAILABLE'
  // The platform would not let us post where the command ran (bot not in the channel, DM closed).
  | 'CHANNEL_UNAVAILABLE'
  // Generated (and charged), but the place it was asked for is closed to the bot for good.
  | 'UNDELIVERABLE'
  | 'CONFIG_INVALID';

/** Whether money may have been spent when the error happened: the user is always told the truth. */
export type Charge = 'none' | 'charged' | 'unknown';

export class FluxError extends Error {
  readonly code: ErrorCode;
  readonly charge: Charge;
  constructor(code: ErrorCode, message: string, options: { cause?: unknown; charge?: Charge } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.charge = options.charge ?? 'none';
  }
}

/**
 * A result that can never go where it was asked for (the bot was removed, the channel is gone, the
 * thread locked). The sink has told the requester privately; the job ends `undeliverable`, still charged.
 */
export class UndeliverableError extends FluxError {
  /** The requester received the images privately, so the store need not keep them. */
  readonly imagesSent: boolean;
  constructor(message: string, imagesSent: boolean, options: { cause?: unknown } = {}) {
    super('UNDELIVERABLE', message, { ...options, charge: 'charged' });
    this.imagesSent = imagesSent;
  }
}

/** A user's option was wrong. Names the option and what is allowed; raised before anything is spent. */
export class ValidationError extends FluxError {
  readonly option: string;
  readonly allowed: string;
  readonly got: string | undefined;
  constructor(
    code: Extract<
      ErrorCode,
      | 'INVALID_OPTION'
      | 'UNKNOWN_OPTION'
      | 'MISSING_PROMPT'
      | 'MODEL_NOT_ALLOWED'
      | 'REFERENCE_INVALID'
      | 'QUEUE_FULL'
    >,
    option: string,
    allowed: string,
    got?: string,
  ) {
    super(code, `${option}: ${got === undefined ? '' : `got ${truncate(got)}; `}allowed: ${allowed}`);
    this.option = option;
    this.allowed = allowed;
    this.got = got;
  }
}

/** The provider answered with something we must act on (HTTP status, terminal task status, protocol). */
export class ProviderError extends FluxError {
  readonly status: number | undefined;
  /** Seconds to wait before retrying, from Retry-After, when the provider said so. */
  readonly retryAfter: number | undefined;
  /** For 422s and task errors: the provider's own message, already stripped of anything secret. */
  readonly detail: string | undefined;
  constructor(
    code: ErrorCode,
    message: string,
    options: { status?: number; retryAfter?: number; detail?: string; cause?: unknown; charge?: Charge } = {},
  ) {
    super(code, message, options);
    this.status = options.status;
    this.retryAfter = options.retryAfter;
    this.detail = options.detail;
  }
}

export function isFluxError(err: unknown): err is FluxError {
  return err instanceof FluxError;
}

/** Any thrown value as a FluxError, for the boundaries that must always answer. */
export function toFluxError(err: unknown): FluxError {
  if (err instanceof FluxError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FluxError('TASK_FAILED', message, { cause: err, charge: 'unknown' });
}

function truncate(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
