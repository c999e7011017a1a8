/** A job's share done from its tasks' reports, and how the card says it. */
import { describe, expect, it } from 'vitest';
import { generatingStatus } from '../../../src/commands/flux/messages.ts';
import { createProgress } from '../../../src/commands/flux/progress.ts';
import type { JobView } from '../../../src/core/job-types.ts';

const job = (count: number, ready: number[] = []): JobView =>
  ({
    id: 'j1',
    origin: { platform: 'slack', userId: 'U1' },
    request: { count },
    startedAt: 1_000,
    tasks: Array.from({ length: count }, (_, index) => ({
      index,
      seed: index,
      state: ready.includes(index) ? 'ready' : 'submitted',
    })),
  }) as unknown as JobView;

describe('progress', () => {
  it('is unknown until the provider reports any, and then the share of the whole job', () => {
    const p = createProgress();
    expect(p.of(job(4))).toBeUndefined();
    p.report('j1', 0, undefined);
    expect(p.of(job(4))).toBeUndefined();
    p.report('j1', 1, 0.4);
    p.report('j1', 2, 0.8);
    // Image 1 is ready (whole), 2 and 3 report 0.4 and 0.8, image 4 is not heard of yet.
    expect(p.of(job(4, [0]))).toBeCloseTo((1 + 0.4 + 0.8 + 0) / 4);
    p.report('j1', 2, 7);
    expect(p.of(job(4, [0]))).toBeCloseTo((1 + 0.4 + 1) / 4);
    p.forget('j1');
    expect(p.of(job(4, [0]))).toBeUndefined();
  });

  it('shows on the card as a percentage before the seconds, only when known', () => {
    expect(generatingStatus(job(1), 4_200)).toBe('Generating · 3 s');
    expect(generatingStatus(job(1), 4_200, 0.424)).toBe('Generating · 42% · 3 s');
    expect(generatingStatus(job(1), 4_200, 1.5)).toBe('Generating · 100% · 3 s');
  });
});
