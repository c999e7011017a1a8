/**
 * Where a Discord job's messages live, and which credential reaches them. The interaction token works
 * for 15 minutes; after that — or as soon as Discord says it no longer works (a restart that took a
 * while, a clock that drifted) — the bot token on channel routes takes over for good.
 */
import { createHash } from 'node:crypto';
import { DiscordAPIError } from 'discord.js';
import type { Logger } from '../../core/logger.ts';

export const TOKEN_LIFETIME_MS = 15 * 60_000;
/** Edits closer together than this are coalesced (Discord rate-limits message edits). */
export const EDIT_INTERVAL_MS = 1_000;
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

/** What is stored with a Discord job (JSON), enough to find its card and thread after a restart. */
export interface DiscordDelivery {
  appId: string;
  channelId: string;
  guildId?: string;
  /** The interaction token (short-lived; never logged) and when it stops working. */
  token?: string;
  tokenExpiresAt?: number;
  /** What the interaction's own message is: a deferred reply that becomes the card, or none (buttons). */
  original: 'deferred' | 'none';
  cardId?: string;
  /** The channel cannot hold a new thread (a DM, or already a thread). */
  noThreads?: boolean;
  threadId?: string;
  threadFailed?: boolean;
  results?: Array<{ id: string; channelId: string; via: 'webhook' | 'bot' }>;
  /**
   * The result post was sent through a follow-up webhook, which takes no nonce: if its answer was lost,
   * a retry cannot ask Discord about it. Kept to say so in the log.
   */
  followUpSent?: boolean;
  /** The result is out (every later call returns this without posting). */
  posted?: { imageUrls: string[]; link?: { label: string; url: string } };
  /** The interaction's attachment_size_limit: the largest file this channel takes. */
  uploadLimit: number;
}

/** Discord's codes for "this interaction token is no use any more". */
const TOKEN_GONE = new Set([50027 /* Invalid Webhook Token */, 10015 /* Unknown Webhook */]);

export function isTokenRejected(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.status === 401 || TOKEN_GONE.has(Number(err.code)));
}

/** A refusal to post where we tried (no access, no permission, thread gone, archived and locked). */
export function isPlaceRefused(err: unknown): boolean {
  return err instanceof DiscordAPIError && ([403, 404].includes(err.status) || Number(err.code) === 50083);
}

/** Discord: "A thread has already been created for this message" — its id is the message's. */
export const THREAD_EXISTS = 160004;

/**
 * The nonce of one post of a job (≤ 25 characters, as Discord allows). Sent with `enforce_nonce`, Discord
 * answers a repeat within its window with the message it already made instead of a second one.
 */
export function nonceFor(jobId: string, step: string): string {
  return createHash('sha256').update(`${jobId}:${step}`).digest('base64url').slice(0, 25);
}

export interface Credentials {
  tokenAlive(): boolean;
  /**
   * Runs `viaToken` while the interaction token lives, else `viaBot`. A token Discord rejects is
   * dropped and the same operation is done with the bot token, so nothing is lost to an early expiry.
   */
  use<T>(viaToken: (token: string) => Promise<T>, viaBot: () => Promise<T>): Promise<T>;
}

export function createCredentials(d: DiscordDelivery, now: () => number, logger: Logger): Credentials {
  const tokenAlive = () => Boolean(d.token && d.tokenExpiresAt && now() < d.tokenExpiresAt);
  return {
    tokenAlive,
    async use(viaToken, viaBot) {
      if (!tokenAlive()) return viaBot();
      try {
        return await viaToken(d.token as string);
      } catch (err) {
        if (!isTokenRejected(err)) throw err;
        logger.info(
          { code: (err as DiscordAPIError).code },
          'interaction token rejected; using the bot token',
        );
        d.tokenExpiresAt = 0;
        return viaBot();
      }
    },
  };
}

/** Options for a call that must not carry the bot token (interaction routes). */
export const NO_AUTH = { auth: false } as const;
