import { describe, expect, it } from 'vitest';
import { createBurstGate } from '../../src/bots/burst-gate.ts';

/** The next turn of the event loop (immediates run in the order they were set). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('acks before follow-up work', () => {
  it('holds work after an ack while requests keep arriving, and lets it go in the first turn that brings none', async () => {
    const gate = createBurstGate(60_000);
    gate.arrived();
    let released = false;
    void gate.answered().then(() => {
      released = true;
    });
    gate.arrived(); // a second request in the same turn
    for (let turn = 0; turn < 20; turn++) {
      await nextTurn();
      expect(released).toBe(false);
      gate.arrived();
    }
    for (let turn = 0; turn < 3 && !released; turn++) await nextTurn();
    expect(released).toBe(true);
  });

  it('lets held work go one item per turn, so a request arriving in between waits for one, not all', async () => {
    const gate = createBurstGate(60_000);
    const order: number[] = [];
    for (let i = 0; i < 5; i++) {
      gate.arrived();
      void gate.answered().then(() => order.push(i));
    }
    const seen: number[] = [];
    while (order.length < 5) {
      await nextTurn();
      seen.push(order.length);
    }
    // The five arrived in one turn, so that turn holds them all; after it, one goes per turn.
    const perTurn = seen.map((n, i) => n - (seen[i - 1] ?? 0));
    expect(perTurn.filter((n) => n > 0)).toEqual([1, 1, 1, 1, 1]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('stops holding once the oldest has waited maxHoldMs, even if requests never stop', async () => {
    const gate = createBurstGate(5);
    let released = false;
    void gate.answered().then(() => {
      released = true;
    });
    const giveUp = performance.now() + 10_000;
    while (!released && performance.now() < giveUp) {
      gate.arrived();
      await nextTurn();
    }
    expect(released).toBe(true);
  });

  it('with a quiet window, holds work through turns without a request until none came for that long', async () => {
    const gate = createBurstGate(60_000, 40);
    let releasedAt = 0;
    gate.arrived();
    const t0 = performance.now();
    void gate.answered().then(() => {
      releasedAt = performance.now();
    });
    // Arrivals a few turns apart, as from a sender that cannot write a burst all at once.
    for (let i = 0; i < 5; i++) {
      for (let turn = 0; turn < 3; turn++) await nextTurn();
      expect(releasedAt).toBe(0);
      gate.arrived();
    }
    const last = performance.now();
    const giveUp = last + 5_000;
    while (!releasedAt && performance.now() < giveUp) await new Promise((r) => setTimeout(r, 5));
    expect(releasedAt - last).toBeGreaterThanOrEqual(39);
    expect(releasedAt - t0).toBeLessThan(5_000);
  });
});
