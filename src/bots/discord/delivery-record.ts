/**
 * The delivery record of a Discord job: what is stored with it (JSON), enough to find its card and
 * thread after a restart or from another process. It comes back from the store as untrusted JSON (an
 * older version, a hand edit, another adapter's bug), so it is checked before a context is built on it:
 * a record that does not hold ends the job `undeliverable` instead of failing somewhere mid-post.
 */
import { z } from 'zod';
import { parseDeliveryRecord } from '../delivery-record.ts';

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
  posted: z
    .object({
      imageUrls: z.array(z.string()),
      link: z.object({ label: z.string(), url: z.string() }).optional(),
    })
    .optional(),
  /** The interaction's attachment_size_limit: the largest file this channel takes. */
  uploadLimit: z.number().int().positive(),
});

export type DiscordDelivery = z.infer<typeof discordDeliverySchema>;

/** The stored record as a DiscordDelivery (keys other layers keep with it are left out), or throws. */
export function parseDiscordDelivery(record: unknown): DiscordDelivery {
  return parseDeliveryRecord('Discord', discordDeliverySchema, record);
}
