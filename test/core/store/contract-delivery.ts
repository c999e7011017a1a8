/**
 * The store contract, delivery records: a patch merges as `{ ...delivery, ...patch }` written as JSON
 * always did (top-level keys, `undefined` removes one), in one step, so patches racing from any process
 * all survive.
 */
import { expect, it } from 'vitest';
import type { ContractContext } from './contract.ts';
import { job, task } from './contract.ts';

export function deliveryContract(ctx: ContractContext): void {
  it('merges a delivery patch as a spread over the stored record, and nothing else changes', async () => {
    const s = await ctx.store();
    const before = {
      card: 'm1',
      thread: 't1',
      token: 'secret',
      results: [{ id: 'r1', via: 'bot' }],
      nested: { a: 1, b: 2 },
    };
    await s.insertJob(job('j1', { delivery: before }), [task('j1', 0)]);
    const patch = {
      thread: 't2',
      // Replaced whole, not merged into: shallow, unlike JSON merge patch.
      nested: { a: 3 },
      // Removed, as JSON.stringify left it out of the merged record.
      token: undefined,
      // Kept as null, not removed (again unlike JSON merge patch).
      cardShown: null,
      expiresAt: 1_781_105_400_000,
      ratio: 0.1,
      label: 'Résultat 🦊 "quoted" \\ back',
    };
    expect(await s.patchDelivery('j1', patch)).toBe(true);
    const merged = JSON.parse(JSON.stringify({ ...before, ...patch }));
    expect(merged).not.toHaveProperty('token');
    const back = await (await ctx.another()).getJob('j1');
    expect(back).toEqual(job('j1', { delivery: merged }));
    expect(back?.delivery).not.toHaveProperty('token');
    expect(await s.patchDelivery('j1', {})).toBe(true);
    expect((await s.getJob('j1'))?.delivery).toEqual(merged);
  });

  it('patches no delivery of a job it does not know, and says so', async () => {
    const s = await ctx.store();
    expect(await s.patchDelivery('nope', { card: 'm9' })).toBe(false);
    expect(await s.getJob('nope')).toBeUndefined();
  });

  it('keeps every one of 20 delivery patches of one job made at once through several processes', async () => {
    const stores = [await ctx.store(), await ctx.another(), await ctx.another()];
    await stores[0]?.insertJob(job('j1'), [task('j1', 0)]);
    const keys = Array.from({ length: 20 }, (_, i) => [`k${i}`, i] as const);
    const patched = await Promise.all(
      keys.map(([k, v], i) => stores[i % stores.length]?.patchDelivery('j1', { [k]: v })),
    );
    expect(patched.every(Boolean)).toBe(true);
    expect((await stores[1]?.getJob('j1'))?.delivery).toEqual({ card: 'm1', ...Object.fromEntries(keys) });
  });
}
