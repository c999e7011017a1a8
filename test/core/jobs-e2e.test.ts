import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeBfl, startFakeBfl } from '../fakes/bfl-server.ts';
import { buildCore, origin, request } from '../support/core.ts';

let bfl: FakeBfl;
let core: ReturnType<typeof buildCore>;
beforeEach(async () => {
  bfl = await startFakeBfl({ generationMs: 20 });
});
afterEach(async () => {
  await core?.close();
  await bfl.close();
});

describe('jobs against the fake BFL', () => {
  it('generates, downloads and delivers an image with the provider cost', async () => {
    core = buildCore(bfl);
    await core.jobs.start();
    const job = core.jobs.create({
      request: request({ prompt: 'a fox', model: 'klein-4b' }),
      origin: origin(),
    });
    const end = await core.done(job.id);
    expect(end.type).toBe('ready');
    if (end.type !== 'ready') return;
    expect(end.images).toHaveLength(1);
    expect(end.images[0]?.contentType).toBe('image/jpeg');
    expect(end.job.costMicros).toBe(45_000);
    await new Promise((r) => setTimeout(r, 10));
    expect(core.jobs.get(job.id)?.state).toBe('delivered');
    expect(bfl.counts.accepted).toBe(1);
  });
});
