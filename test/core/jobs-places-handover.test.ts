/**
 * Places across processes (src/core/jobs/positions.ts, queue/tellers.ts): the process that queued a job
 * tells it its place; when that process stops, a live one takes over, so the card does not freeze on an
 * old place until the job starts. Real Postgres, Redis and BullMQ under live cores, a fake provider.
 */
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/job-types.ts';
import { origin, request } from '../support/core.ts';
import { type LiveCore, liveCoresMissing, useLiveCores } from '../support/live-cores.ts';
import { until } from '../support/until.ts';

const ci = process.env.CI === 'true';
const missing = await liveCoresMissing('the place hand-over tests');
const { liveCore } = useLiveCores(missing);

const placesOf = (core: LiveCore, id: string) =>
  core.events
    .filter((e): e is Extract<JobEvent, { type: 'position' }> => e.type === 'position' && e.job.id === id)
    .map((e) => e.position);

describe.skipIf(missing !== undefined && !ci)('places when the process that queued a job stops', () => {
  it('has Postgres and Redis to run against', () => {
    expect(missing).toBeUndefined();
  });

  it('go on reaching the card, from a live process', async () => {
    const b = await liveCore('b');
    // Four images that do not finish take the four slots, all in b (a is not running yet).
    for (let i = 0; i < 4; i++)
      await b.jobs.create({ request: request({ prompt: `slot ${i}` }), origin: origin(`s${i}`, 'slack') });
    await until(() => b.provider.waiting().length === 4 || undefined, 10_000, 'the slots taken');
    // Three jobs queued behind them by a: a tells their places, b does not.
    const a = await liveCore('a');
    const queued: string[] = [];
    for (let i = 0; i < 3; i++)
      queued.push(
        (await a.jobs.create({ request: request({ prompt: `q ${i}` }), origin: origin(`q${i}`, 'slack') }))
          .id,
      );
    const last = queued[2] as string;
    await until(
      () => a.events.some((e) => e.type === 'queued' && e.job.id === last) || undefined,
      5_000,
      'queued',
    );
    expect(placesOf(b, last)).toEqual([]);

    await a.jobs.stop(0);
    // The line moves: a slot frees, a's first job takes it (in b), and the others go up one place.
    b.provider.finish(b.provider.waiting()[0] as string);
    await until(() => placesOf(b, last).includes(2) || undefined, 15_000, `b to tell ${last} its new place`);
    expect(placesOf(a, last)).not.toContain(2);
    // Everything ends, so the processes stop at once.
    await until(
      () => {
        for (const id of b.provider.waiting()) b.provider.finish(id);
        return b.provider.waiting().length === 0 && b.jobs.load().queued === 0 ? true : undefined;
      },
      15_000,
      'every image finished',
    );
  });
});
