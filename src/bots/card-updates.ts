/**
 * Card edits, throttled the way both platforms need: the first card, its first edit and final states go
 * out at once; live states closer together than the interval are coalesced so only the latest is sent.
 * Sends are serialised, so edits never arrive out of order; a card that says when it is no longer
 * current (`Card.current`) is dropped at its turn if it is not.
 */
import type { Card } from '../commands/context.ts';
import type { Logger } from '../core/logger.ts';

export interface CardUpdates {
  show(card: Card): Promise<void>;
  /** Resolves when everything already asked for has been sent. */
  settled(): Promise<void>;
}

export function isFinalCard(card: Card): boolean {
  return card.final;
}

export function createCardUpdates(options: {
  send: (card: Card) => Promise<void>;
  /** True once the card exists (later calls are edits). */
  exists: () => boolean;
  intervalMs: number;
  /** Resolves when an edit may go out (a platform's pacing of a queue's worth of edits). */
  pace?: () => Promise<void>;
  logger: Logger;
  now?: () => number;
}): CardUpdates {
  const now = options.now ?? Date.now;
  let lastAt = 0;
  let pending: Card | undefined;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    const card = pending;
    pending = undefined;
    if (!card) return chain;
    chain = chain
      .then(async () => {
        await options.pace?.();
        // A held-back place in line that no longer holds is not sent: the card has moved on. Asked after
        // the pause, just before sending.
        if ((await card.current?.()) === false) return;
        lastAt = now();
        return options.send(card);
      })
      .catch((err: unknown) => options.logger.warn({ err }, 'card update failed'));
    return chain;
  };

  return {
    async show(card) {
      pending = card;
      const wait = lastAt + options.intervalMs - now();
      if (!options.exists()) {
        // The first card must exist (or fail) before anything else: its failure is the caller's to handle.
        pending = undefined;
        // Not counted against the interval: the first card is often a draft whose first edit completes
        // it (the place in line, once the job exists), and that edit should follow at once.
        const first = chain.then(() => options.send(card));
        chain = first.catch(() => undefined);
        await first;
        return;
      }
      if (isFinalCard(card) || wait <= 0) {
        if (timer) clearTimeout(timer);
        timer = undefined;
        await flush();
        return;
      }
      timer ??= setTimeout(() => {
        timer = undefined;
        void flush();
      }, wait);
    },
    settled: () => chain,
  };
}
