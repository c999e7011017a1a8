/**
 * Loose option values (strings from a slash command, numbers from a modal) read strictly: a value that
 * is not what the option takes is a ValidationError naming it, never a silent default.
 */
import { ValidationError } from './errors.ts';

/** Given at all: an empty string is a value (and an error), not the default. */
export function present<T>(v: T | undefined): v is T {
  return v !== undefined;
}

/** A value as an error message quotes it; an empty one reads "nothing" rather than a blank. */
export function shown(raw: string | number | boolean): string {
  return typeof raw === 'string' && !raw.trim() ? 'nothing' : String(raw);
}

export function int(option: string, raw: string | number, min: number, max: number): number {
  const n = typeof raw === 'number' ? raw : /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ValidationError('INVALID_OPTION', option, `a whole number from ${min} to ${max}`, shown(raw));
  return n;
}

export function num(option: string, raw: string | number, min: number, max: number): number {
  const n = typeof raw === 'number' ? raw : /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < min || n > max)
    throw new ValidationError('INVALID_OPTION', option, `a number from ${min} to ${max}`, shown(raw));
  return n;
}

export function parseBool(option: string, raw: boolean | string): boolean {
  if (typeof raw === 'boolean') return raw;
  const s = raw.trim().toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(s)) return true;
  if (['off', 'false', 'no', '0'].includes(s)) return false;
  throw new ValidationError('INVALID_OPTION', option, 'on or off', shown(raw));
}
