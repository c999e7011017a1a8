/**
 * The Slack delivery record: where a job's card, results and private answers go, stored with the job and
 * read back by any process after a restart. It is checked when read back, so a record damaged or written
 * by an incompatible version fails there, with the fields named, not later as an undefined channel.
 */
import { z } from 'zod';
import { parseDeliveryRecord } from '../delivery-record.ts';

/** What is stored with the job as the result goes out (results.ts). */
export const slackResultStepsSchema = z.object({
  /** Ids Slack gave this job's images, stored before they are shared. */
  fileIds: z.array(z.string()).optional(),
  /** The share was asked for: if its answer never came, it is looked up, not repeated. */
  shareSent: z.boolean().optional(),
  /**
   * The share carries the details as its blocks: images and details are one message. Unset in a record
   * from before, whose images were shared alone: its details are posted as a message of their own.
   */
  oneMessage: z.boolean().optional(),
  /** The images are shared in the thread. */
  files: z.array(z.object({ id: z.string(), url: z.string().optional() })).optional(),
  /**
   * (Records before oneMessage) the details message was sent: if its answer never came, it is looked up
   * by its metadata.
   */
  detailsSent: z.boolean().optional(),
  /** The ts of the message with the details (with oneMessage, the images too), once Slack has said it. */
  detailsTs: z.string().optional(),
  /** Where the card links to: that message's permalink (in the thread), once asked for. */
  permalink: z.string().optional(),
});

export const slackDeliverySchema = z.object({
  teamId: z.string().optional(),
  channelId: z.string().min(1),
  userId: z.string().min(1),
  /** The command's response_url (5 posts within 30 minutes, needs no token). */
  responseUrl: z.string().optional(),
  responseUrlExpiresAt: z.number().optional(),
  cardTs: z.string().optional(),
  /** The command came from inside a thread (a shortcut or button on a reply): the card and results stay in it. */
  inThreadTs: z.string().optional(),
  results: z.array(z.object({ ts: z.string().optional(), fileIds: z.array(z.string()) })).optional(),
  /** The steps of the result post done so far (results.ts). */
  result: slackResultStepsSchema.optional(),
});

export type SlackDelivery = z.infer<typeof slackDeliverySchema>;
export type SlackResultSteps = z.infer<typeof slackResultStepsSchema>;

/** Other keys stored with the record (the use case's own) are left out: the store keeps them. */
export function parseSlackDelivery(stored: Record<string, unknown>): SlackDelivery {
  return parseDeliveryRecord('Slack', slackDeliverySchema, stored);
}

/** How long Slack lets a command's response_url be used. */
const RESPONSE_URL_LIFETIME_MS = 30 * 60_000;

/** A new job's delivery record: where the command ran (and its response_url, while it lasts). */
export function slackDelivery(
  fields: { teamId?: string; channelId: string; userId: string; responseUrl?: string; threadTs?: string },
  now: number,
): SlackDelivery {
  const d: SlackDelivery = { channelId: fields.channelId, userId: fields.userId };
  if (fields.teamId) d.teamId = fields.teamId;
  if (fields.threadTs) d.inThreadTs = fields.threadTs;
  if (fields.responseUrl) {
    d.responseUrl = fields.responseUrl;
    d.responseUrlExpiresAt = now + RESPONSE_URL_LIFETIME_MS - 60_000;
  }
  return d;
}
