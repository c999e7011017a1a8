/**
 * Which Postgres failures mean "the database cannot be reached or cannot write now" (retrying later can
 * succeed) rather than a bug in a statement. Those become STORE_UNAVAILABLE, which callers already
 * treat as the SQLite store's full disk: nothing new is started, work in hand is retried.
 */
import { FluxError } from '../errors.ts';

/** Node socket errors on the way to the server. */
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * SQLSTATE classes and codes: 08 connection exception, 53 insufficient resources (disk full, too many
 * connections), 57P01–57P03 shut down or starting, 25006 a read-only server (a failover in progress).
 */
const SQLSTATE = /^(08|53)|^57P0[123]$|^25006$/;

export function isUnavailable(err: unknown): boolean {
  if (err instanceof FluxError) return err.code === 'STORE_UNAVAILABLE';
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return NETWORK.has(code) || SQLSTATE.test(code);
  // node-postgres reports a dropped connection and a pool's connect timeout without a code.
  return /Connection terminated|timeout exceeded when trying to connect/i.test(err.message);
}

export function unavailable(cause: unknown): FluxError {
  return new FluxError('STORE_UNAVAILABLE', 'the store database cannot be reached or cannot write now', {
    cause,
  });
}
