/**
 * The second step of an interaction: the work after its answer went out. It runs the command against a
 * context whose own message is what the answer made of it (a deferred reply, or none), and tells the
 * member privately when that work fails — a follow-up, since the answer is already given.
 */
import { ChannelType } from 'discord-api-types/v10';
import type { CommandContext } from '../../commands/context.ts';
import { bugText, errorText } from '../../commands/flux/messages.ts';
import { pickLocale } from '../../commands/i18n/locale.ts';
import { FluxError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { DEFAULT_UPLOAD_LIMIT, type DiscordDelivery, TOKEN_LIFETIME_MS } from './delivery.ts';
import type { RawInteraction } from './payload.ts';

/** The work that follows an answer. */
export interface Continuation {
  /** What the interaction's own message is once answered: a deferred reply (the card to be), or none. */
  original: DiscordDelivery['original'];
  run(ctx: CommandContext): Promise<unknown>;
}

/** Runs the continuation; never rejects (a failure is logged and told to the member privately). */
export async function runContinuation(
  next: Continuation,
  context: () => CommandContext,
  log: Logger,
): Promise<void> {
  let ctx: CommandContext | undefined;
  try {
    ctx = context();
    await next.run(ctx);
  } catch (err) {
    const text = failureText(err, log, ctx?.actor?.locale);
    try {
      if (ctx) await ctx.replyPrivate(text);
    } catch (answerErr) {
      log.error({ err: answerErr }, 'could not tell the user about a failure');
    }
  }
}

/** Logs a failure and says it in the member's words: the truth about the charge, never a stack. */
export function failureText(err: unknown, log: Logger, localeTag?: string): string {
  const e = err instanceof FluxError ? err : undefined;
  log.error({ err, code: e?.code }, 'interaction failed');
  const locale = pickLocale(localeTag);
  return e ? errorText(e, locale) : bugText(locale);
}

const THREAD_TYPES = new Set<number>([
  ChannelType.AnnouncementThread,
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
]);

/** A new job's delivery record, from the interaction that asked for it. */
export function deliveryOf(
  raw: RawInteraction,
  original: DiscordDelivery['original'],
  now: number,
): DiscordDelivery {
  const d: DiscordDelivery = {
    appId: raw.application_id,
    channelId: raw.channel?.id ?? raw.channel_id ?? '',
    token: raw.token,
    // A little before Discord's 15 minutes, so an edit never races the expiry.
    tokenExpiresAt: now + TOKEN_LIFETIME_MS - 30_000,
    original,
    uploadLimit: raw.attachment_size_limit ?? DEFAULT_UPLOAD_LIMIT,
  };
  if (raw.guild_id) d.guildId = raw.guild_id;
  if (!raw.guild_id || THREAD_TYPES.has(raw.channel?.type ?? -1)) d.noThreads = true;
  return d;
}
