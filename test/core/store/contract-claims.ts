/**
 * The store contract, claims: a key (a platform request id, a ready job's delivery) claimed once from
 * any process until it expires, and a live claim kept longer while its work goes on. The store reads
 * the clock itself, so "later" is the system time moved on (Date faked, timers left real).
 */
import { afterEach, expect, it, vi } from 'vitest';
import type { ContractContext } from './contract.ts';

const MINUTE = 60_000;

export function claimsContract(ctx: ContractContext): void {
  afterEach(() => {
    vi.useRealTimers();
  });
  /** Opens the stores first (real time), then fixes the clock at `now`. */
  async function twoProcessesAt(now: number) {
    const stores = [await ctx.store(), await ctx.another()] as const;
    vi.useFakeTimers({ toFake: ['Date'], now });
    return stores;
  }

  it('claims a request id once, from any process, and again only after its record expires', async () => {
    const s = await ctx.store();
    const other = await ctx.another();
    const now = Date.now();
    expect(await s.claimOnce('discord:123', now + 60_000)).toBe(true);
    expect(await s.claimOnce('discord:123', now + 60_000)).toBe(false);
    expect(await other.claimOnce('discord:123', now + 60_000)).toBe(false);
    expect(await s.claimOnce('slack:abc', now - 1)).toBe(true);
    expect(await other.claimOnce('slack:abc', now + 60_000)).toBe(true);
    expect(await s.claimOnce('slack:abc', now + 60_000)).toBe(false);
    const racing = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? s : other).claimOnce('slack:race', now + 60_000)),
    );
    expect(racing.filter(Boolean)).toHaveLength(1);
  });

  it('keeps an extended claim past its first expiry, for every process, until the new one', async () => {
    const t = Date.now();
    const [s, other] = await twoProcessesAt(t);
    expect(await s.claimOnce('deliver:j1', t + 2 * MINUTE)).toBe(true);
    await s.extendClaims(['deliver:j1'], t + 10 * MINUTE);
    vi.setSystemTime(t + 2 * MINUTE + 1);
    expect(await other.claimOnce('deliver:j1', t + 20 * MINUTE)).toBe(false);
    vi.setSystemTime(t + 10 * MINUTE - 1);
    expect(await other.claimOnce('deliver:j1', t + 20 * MINUTE)).toBe(false);
    vi.setSystemTime(t + 10 * MINUTE + 1);
    expect(await other.claimOnce('deliver:j1', t + 20 * MINUTE)).toBe(true);
  });

  it('does not revive a claim that lapsed, nor create one never made, by extending it', async () => {
    const t = Date.now();
    const [s, other] = await twoProcessesAt(t);
    expect(await s.claimOnce('deliver:lapsed', t + MINUTE)).toBe(true);
    vi.setSystemTime(t + MINUTE + 1);
    await s.extendClaims(['deliver:lapsed', 'deliver:never'], t + 10 * MINUTE);
    expect(await other.claimOnce('deliver:lapsed', t + 10 * MINUTE)).toBe(true);
    expect(await other.claimOnce('deliver:never', t + 10 * MINUTE)).toBe(true);
    // Taken by the other process now: refused to the first.
    expect(await s.claimOnce('deliver:lapsed', t + 10 * MINUTE)).toBe(false);
  });

  it('extends several claims in one call, only the live ones', async () => {
    const t = Date.now();
    const [s, other] = await twoProcessesAt(t);
    for (const k of ['a', 'b', 'c']) expect(await s.claimOnce(`deliver:${k}`, t + MINUTE)).toBe(true);
    expect(await s.claimOnce('deliver:old', t - 1)).toBe(true);
    await other.extendClaims(['deliver:a', 'deliver:b', 'deliver:old', 'deliver:none'], t + 5 * MINUTE);
    vi.setSystemTime(t + MINUTE + 1);
    const after = async (k: string) => other.claimOnce(`deliver:${k}`, t + 10 * MINUTE);
    expect([await after('a'), await after('b'), await after('c')]).toEqual([false, false, true]);
    expect([await after('old'), await after('none')]).toEqual([true, true]);
    vi.setSystemTime(t + 5 * MINUTE + 1);
    // a and b lapsed at the expiry they were moved to; c, old and none are held until t + 10 min now.
    expect([await after('a'), await after('b'), await after('c')]).toEqual([true, true, false]);
  });

  it('extends nothing, and asks the database nothing, for an empty list', async () => {
    const s = await ctx.another();
    expect(await s.claimOnce('deliver:j1', Date.now() + MINUTE)).toBe(true);
    await s.extendClaims([], Date.now() + 10 * MINUTE);
    // Closed, the store would fail any query: an empty list makes none.
    await s.close();
    await expect(s.extendClaims([], Date.now() + 10 * MINUTE)).resolves.toBeUndefined();
  });
}
