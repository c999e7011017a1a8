/**
 * The delivery record of a Discord job: what is stored with it (JSON), enough to find its card and
 * thread after a restart or from another process. It comes back from the store as untrusted JSON (an
 * older version, a hand edit, another adapter's bug), so it is checked before a context is built on it:
 * a record that does not hold ends the job `undeliverable` instead of failing somewhere mid-post.
 */
import { z } from 'zod';
import { UndeliverableError } from '../../core/errors.ts';

const discordResult = z.object({
  id: z.string(),
  channelId: z.string(),
  via: z.enum(['webhook', 'bot']),
});

export const discordDeliverySchema = z.object({
  appId: z.string().min(1),
  channelId: z.string(),
  guildId: z.string().optional(),
  /** The interaction token (short-lived; never logged) and when it stops working. */
  token: z.string().optional(),
  tokenExpiresAt: z.number().optional(),
  /** What the interaction's own message is: a deferred reply that becomes the card, or none (buttons). */
  original: z.enum(['deferred', 'none']),
  cardId: z.string().optional(),
  /** The channel cannot hold a new thread (a DM, or already a thread). */
  noThreads: z.boolean().optional(),
  threadId: z.string().optional(),
  threadFailed: z.boolean().optional(),
  results: z.array(discordResult).optional(),
  /**
   * The result post was sent through a follow-up webhook, which takes no nonce: if its answer was lost,
   * a retry cannot ask Discord about it. Kept to say so in the log.
   */
  followUpSent: z.boolean().optional(),
  /** The result is out (every later call returns this without posting). */
  posted: z.object({ imageUrls: z.array(z.string()) }).optional(),
  /** The interaction's attachment_size_limit: the largest file this channel takes. */
  uploadLimit: z.number().int().positive(),
});

export type DiscordDelivery = z.infer<typeof discordDeliverySchema>;

/**
 * A stored record that is not a Discord delivery. It can never become one, so retrying is pointless:
 * an UndeliverableError ends the job (its images kept for an admin: the requester could not be told).
 */
export class DeliveryRecordError extends UndeliverableError {
  /** Where the record fails, as paths (`uploadLimit`, `results.0.via`): no values, which hold tokens. */
  readonly paths: string[];
  constructor(paths: string[], options: { cause?: unknown } = {}) {
    super(`stored Discord delivery record is invalid at ${paths.join(', ') || '(root)'}`, false, options);
    this.paths = paths;
  }
}

/** The stored record as a DiscordDelivery (keys other layers keep with it are left out), or throws. */
export function parseDiscordDelivery(record: unknown): DiscordDelivery {
  const parsed = discordDeliverySchema.safeParse(record);
  if (parsed.success) return parsed.data;
  const paths = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))];
  throw new DeliveryRecordError(paths);
}
