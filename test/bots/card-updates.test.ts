/** The card throttle on its own, with a clock of its own: what goes out at once and what is coalesced. */
import { describe, expect, it } from 'vitest';
import { createCardUpdates } from '../../src/bots/card-updates.ts';
import type { Card } from '../../src/commands/context.ts';
import { silentLogger } from '../../src/core/logger.ts';

const card = (status: string, final = false): Card => ({
  title: 'Ana asked for',
  prompt: 'a fox',
  fields: [],
  status,
  buttons: [],
  final,
});

function setup() {
  let clock = 1_000_000;
  let exists = false;
  const sent: string[] = [];
  const updates = createCardUpdates({
    send: async (c) => {
      sent.push(c.status);
      exists = true;
    },
    exists: () => exists,
    intervalMs: 1_000,
    logger: silentLogger(),
    now: () => clock,
  });
  const tick = (ms: number) => {
    clock += ms;
  };
  return { updates, sent, tick };
}

describe('card updates', () => {
  it('sends the first card and its first edit at once (the draft gets its place), then one edit a second', async () => {
    const { updates, sent, tick } = setup();
    await updates.show(card('Queued'));
    tick(10);
    await updates.show(card('Queued · #3 in line'));
    await updates.settled();
    expect(sent).toEqual(['Queued', 'Queued · #3 in line']);
    tick(10);
    // Within the interval of the last edit: held back, not sent.
    await updates.show(card('Generating · 42% · 1 s'));
    await updates.settled();
    expect(sent).toHaveLength(2);
    // A final card is never held back, and replaces what was waiting.
    await updates.show(card('Done', true));
    await updates.settled();
    expect(sent).toEqual(['Queued', 'Queued · #3 in line', 'Done']);
  });
});
