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

  it('drops a place that no longer holds when its turn to be sent comes, and sends one that does', async () => {
    const { updates, sent, tick } = setup();
    await updates.show(card('Queued'));
    await updates.show(card('Queued · #3 in line'));
    tick(1_000);
    let holds = true;
    const shown = updates.show({ ...card('Queued · next in line'), current: () => holds });
    // Before its turn (an edit under way, a pause) another process has started the job.
    holds = false;
    await shown;
    await updates.settled();
    expect(sent).toEqual(['Queued', 'Queued · #3 in line']);
    // Nothing was sent, so the next edit is not held back by it.
    await updates.show(card('Generating · 1 s'));
    await updates.settled();
    expect(sent.at(-1)).toBe('Generating · 1 s');
    tick(1_000);
    await updates.show({ ...card('Queued · #2 in line'), current: () => true });
    await updates.settled();
    expect(sent.at(-1)).toBe('Queued · #2 in line');
  });
});
