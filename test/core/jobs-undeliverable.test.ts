/**
 * A result that can never go where it was asked for: the sink says so with an UndeliverableError, and
 * the job ends `undeliverable` — charged, not resumed — keeping its images only when the
 * requester could not be sent them.
 */
import { describe, expect, it } from 'vitest';
import { UndeliverableError } from '../../src/core/errors.ts';
import { origin, request } from '../support/core.ts';
import { useHarnesses } from '../support/jobs-harness.ts';
import { until } from '../support/until.ts';

const harness = useHarnesses();

async function undeliverable(imagesSent: boolean) {
  const h = harness({
    onEvent: (e) => {
      if (e.type !== 'ready') return;
      throw new UndeliverableError('cannot post in C1: not_in_channel', imagesSent);
    },
  });
  await h.jobs.start();
  const job = await h.jobs.create({
    request: request({ prompt: 'kicked', model: 'klein-4b' }),
    origin: origin(),
  });
  await h.waitingFor(1);
  h.provider.finish('t0');
  await until(async () => (await h.jobs.get(job.id))?.state === 'undeliverable', 10_000, 'undeliverable');
  return { h, id: job.id };
}

describe('an undeliverable result', () => {
  it('ends the job undeliverable and still charged, and not among the jobs a restart resumes', async () => {
    const { h, id } = await undeliverable(true);
    const job = await h.jobs.get(id);
    expect(job?.costMicros).toBe(15_000);
    expect(job?.error).toMatchObject({ code: 'UNDELIVERABLE', charge: 'charged' });
    expect(h.store.unfinishedJobs().map((j) => j.id)).not.toContain(id);
    expect(h.store.getTasks(id, true)[0]?.image).toBeUndefined();
  });

  it('keeps the images for an admin when the requester could not be sent them', async () => {
    const { h, id } = await undeliverable(false);
    expect(h.store.getTasks(id, true)[0]?.image).toBeDefined();
  });
});
