/**
 * Distributed mode's variables (config.ts reads every other): DATABASE_URL and REDIS_URL, both or
 * neither, and FLUX_ROLE, which needs them.
 */
import { z } from 'zod';
import type { Config } from './config-shape.ts';

/** config.ts's reader: the value, or `fallback` (the problem recorded) when unset or wrong. */
type Read = <T>(name: string, schema: z.ZodType<T>, example: string, fallback?: T) => T | undefined;
/** Records a required variable as missing, unless it is already listed as wrong. */
type Missing = (name: string, problem: string, example: string) => void;

const DATABASE_EXAMPLE = 'postgres://flux:secret@db:5432/flux';
const REDIS_EXAMPLE = 'redis://redis:6379/0';

export function readDistributed(read: Read, missing: Missing): Pick<Config, 'distributed' | 'role'> {
  const databaseUrl = read(
    'DATABASE_URL',
    z.url({ protocol: /^postgres(ql)?$/, error: 'a postgres:// URL' }),
    DATABASE_EXAMPLE,
  );
  const redisUrl = read(
    'REDIS_URL',
    z
      .url({ protocol: /^rediss?$/, error: 'a redis:// URL (with the db index as its path)' })
      .refine((v) => /^\/?\d*$/.test(new URL(v).pathname), 'the path is the db index: redis://host:6379/0'),
    REDIS_EXAMPLE,
  );
  const both = '(distributed mode needs both, or set neither)';
  if (databaseUrl && !redisUrl) missing('REDIS_URL', `required with DATABASE_URL ${both}`, REDIS_EXAMPLE);
  if (redisUrl && !databaseUrl) missing('DATABASE_URL', `required with REDIS_URL ${both}`, DATABASE_EXAMPLE);
  const role = read('FLUX_ROLE', z.enum(['all', 'worker'], 'all or worker'), 'worker', 'all') ?? 'all';
  if (role === 'worker' && !(databaseUrl && redisUrl))
    missing(
      'FLUX_ROLE',
      'worker needs distributed mode (DATABASE_URL and REDIS_URL): alone it would take no commands',
      'all',
    );
  return databaseUrl && redisUrl ? { distributed: { databaseUrl, redisUrl }, role } : { role };
}
