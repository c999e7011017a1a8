/** The card says itself whether it is final, so adapters never read its English words. */
import { describe, expect, it } from 'vitest';
import { cardFor, finalCard } from '../../../src/commands/flux/messages.ts';
import type { JobState, JobView } from '../../../src/core/job-types.ts';
import { catalog, origin, request } from '../../support/core.ts';

function job(state: JobState): JobView {
  return {
    id: 'j1',
    state,
    request: request({ prompt: 'a fox', model: 'klein-4b' }),
    origin: origin(),
    delivery: {},
    estimateMicros: 15_000,
    createdAt: 0,
    finishedAt: 1_000,
    tasks: [],
  };
}

describe('cards', () => {
  it('are live while the job is queued or running', () => {
    expect(cardFor(job('queued'), catalog, 'Queued · #2 in line', 0)).toMatchObject({ final: false });
    expect(cardFor(job('running'), catalog, 'Generating · 4 s', 0)).toMatchObject({ final: false });
    expect(cardFor(job('running'), catalog, 'Uploading', 0)).toMatchObject({ final: false });
  });

  it('are final once delivered, with the summary', () => {
    const card = cardFor(job('delivered'), catalog, 'Done', 1_000);
    expect(card).toMatchObject({
      final: true,
      summary: expect.stringMatching(/^Done in 1\.0 s/),
      buttons: [],
    });
  });

  it('are final when made as the last word, whatever the status says', () => {
    const card = finalCard(job('queued'), catalog, 'Anything at all', 0, 'Deleted by Ana');
    expect(card).toMatchObject({ final: true, summary: 'Deleted by Ana', buttons: [] });
    expect(finalCard(job('failed'), catalog, 'Failed · x', 0)).toMatchObject({ final: true, buttons: [] });
    expect(finalCard(job('failed'), catalog, 'Failed · x', 0).summary).toBeUndefined();
  });
});
