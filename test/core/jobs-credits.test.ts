/**
 * Out of credits (402): submits are held — not for a fixed time, but until the account can pay — and
 * every waiting job is told why. Against the loopback BFL (a balance to read) and the loopback gateway
 * (none: a submit probes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/job-types.ts';
import { type FakeGateway, startFakeGateway } from '../fakes/openai-images-server.ts';
import { buildCore, origin, request } from '../support/core.ts';
import { inOrder } from '../support/in-order.ts';
import { until } from '../support/until.ts';
import { useCores } from '../support/use-cores.ts';

const FAST = { firstMs: 20, maxMs: 80 };
const klein = (prompt: string) => request({ prompt, model: 'klein-4b' });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const kinds = (events: JobEvent[], jobId: string) =>
  events
    .filter((e) => e.job.id === jobId)
    .map((e) => (e.type === 'waiting' ? `waiting:${e.reason}` : e.type));

describe('out of credits, with a balance to read (BFL)', () => {
  const fakes = useCores({ generationMs: 10 });

  it('holds every other submit, tells each waiting job why, and resumes at the first look that finds credits', async () => {
    const { bfl } = fakes;
    const core = fakes.core({ maxActive: 1, creditCheck: FAST });
    bfl.configure({ outOfCredits: true, credits: 0 });
    await core.jobs.start();
    const a = await core.jobs.create({ request: klein('A'), origin: origin('u0') });
    const b = await core.jobs.create({ request: klein('B'), origin: origin('u1') });
    await until(() => bfl.counts.credits >= 3, 10_000, 'the balance to be looked at while empty');
    // Only A's submit went out; B waits in line rather than collecting refusals.
    expect(bfl.counts.submits).toBe(1);
    expect(core.jobs.holdReason()).toBe('out_of_credits');
    // A job asked for meanwhile is told at once.
    const c = await core.jobs.create({ request: klein('C'), origin: origin('u2') });
    await until(() => kinds(core.events, c.id).includes('waiting:out_of_credits'), 10_000, 'C told why');
    expect(kinds(core.events, a.id)).toEqual(['queued', 'started', 'waiting:out_of_credits']);
    expect(kinds(core.events, b.id)).toEqual(['queued', 'waiting:out_of_credits']);
    expect(core.store.getTasks(a.id)[0]?.state).toBe('queued');

    const mark = bfl.requests.length;
    bfl.configure({ outOfCredits: false, credits: 500 });
    const ends = await Promise.all([a, b, c].map((j) => core.done(j.id)));
    expect(ends.map((e) => e.type)).toEqual(['ready', 'ready', 'ready']);
    // At most the look already under way when credits came, then the submits: no fixed pause.
    const after = bfl.requests.slice(mark).filter((r) => r.host === 'api');
    const firstSubmit = after.findIndex((r) => r.method === 'POST');
    expect(firstSubmit).toBeGreaterThanOrEqual(0);
    expect(firstSubmit).toBeLessThanOrEqual(1);
    expect(after.slice(0, firstSubmit).every((r) => r.path === '/v1/credits')).toBe(true);
    expect(bfl.counts.submits).toBe(4);
    // Queued jobs hear their place again once submits resume; A's card goes back to generating.
    expect(kinds(core.events, a.id).slice(3, 4)).toEqual(['progress']);
    expect(core.jobs.holdReason()).toBeUndefined();
  });

  it('fails a task still refused when the balance covers it, and lets the others run', async () => {
    const { bfl } = fakes;
    const core = fakes.core({ maxActive: 1, creditCheck: FAST });
    bfl.configure({ credits: 1234.5 });
    await core.jobs.start();
    const broke = await core.jobs.create({ request: klein('[402] refused'), origin: origin('u1') });
    const fine = await core.jobs.create({ request: klein('fine'), origin: origin('u2') });
    const [b, f] = await Promise.all([core.done(broke.id), core.done(fine.id)]);
    expect(b).toMatchObject({ type: 'failed', error: { code: 'PROVIDER_OUT_OF_CREDITS', charge: 'none' } });
    expect(f.type).toBe('ready');
    // Tried once, looked at the balance, tried once more: never blindly again.
    const refused = [...bfl.requests].filter((r) => r.method === 'POST' && r.body.includes('[402]'));
    expect(refused).toHaveLength(2);
    expect(bfl.counts.credits).toBeGreaterThanOrEqual(1);
  });
});

describe('out of credits, with no balance to read (a gateway)', () => {
  it('probes with one submit at a time, with backoff, and resumes on the first that goes through', async () => {
    const gw: FakeGateway = await startFakeGateway({ outOfCredits: true });
    const core = buildCore(
      { kind: 'gateway', url: gw.url },
      { maxActive: 2, maxQueuedPerUser: 10, creditCheck: FAST },
    );
    cleanups.push(
      () => gw.close(),
      () => core.close(),
    );
    const { jobs, events } = core;
    await jobs.start();
    const created = await inOrder(3, (i) =>
      jobs.create({ request: klein(['A', 'B', 'C'][i] as string), origin: origin(`u${i}`) }),
    );
    await until(() => gw.received.length >= 5, 10_000, 'probes while out of credits');
    // A and B took the two slots and were refused; after that only one probe at a time went out.
    const prompts = gw.received.map((r) => r.prompt);
    expect(prompts.slice(0, 2).sort()).toEqual(['A', 'B']);
    expect(prompts).not.toContain('C');
    expect(kinds(events, created[2]?.id as string)).toEqual(['queued', 'waiting:out_of_credits']);
    gw.configure({ outOfCredits: false });
    const ends = await Promise.all(created.map((j) => core.done(j.id)));
    expect(ends.map((e) => e.type)).toEqual(['ready', 'ready', 'ready']);
  });
});
