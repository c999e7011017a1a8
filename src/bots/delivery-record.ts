/**
 * A platform's delivery record comes back from the store as untrusted JSON (an older version, a hand
 * edit, another process's bug), so each platform checks it against its schema before building a context
 * on it. A record that does not hold can never become one: retrying is pointless, so the error is an
 * UndeliverableError and the job ends `undeliverable` (its images kept: the requester could not be told).
 */
import type { z } from 'zod';
import { UndeliverableError } from '../core/errors.ts';

export class DeliveryRecordError extends UndeliverableError {
  /** Where the record fails, as paths (`uploadLimit`, `results.0.via`): no values, which hold tokens. */
  readonly paths: string[];
  constructor(platform: string, paths: string[]) {
    super(`stored ${platform} delivery record is invalid at ${paths.join(', ')}`, false);
    this.paths = paths;
  }
}

/** The stored record as the platform's delivery (keys other layers keep with it are left out), or throws. */
export function parseDeliveryRecord<T>(platform: string, schema: z.ZodType<T>, record: unknown): T {
  const parsed = schema.safeParse(record);
  if (parsed.success) return parsed.data;
  const paths = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(record)'))];
  // No cause: zod's messages can quote what the record holds, and it holds tokens.
  throw new DeliveryRecordError(platform, paths);
}
