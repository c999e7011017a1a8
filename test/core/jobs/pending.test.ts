import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.ts';
import { createPendingCounts } from '../../../src/core/jobs/pending.ts';

const ann = { platform: 'discord' as const, userId: 'ann' };
const bob = { platform: 'discord' as const, userId: 'bob' };

function refusal(fn: () => void): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected QUEUE_FULL');
}

describe('per-user pending counts', () => {
  it('lets a person fill their cap exactly, and refuses one image more, counting people apart', () => {
    const pending = createPendingCounts(4);
    pending.add(ann, 3);
    expect(() => pending.check(ann, 1)).not.toThrow();
    const e = refusal(() => pending.check(ann, 2));
    expect(e.code).toBe('QUEUE_FULL');
    // Room for one image, asked for two: the count is what to change.
    expect(e.option).toBe('count');
    expect(() => pending.check(bob, 4)).not.toThrow();
  });

  it('names the queue when the line is already full, and frees room as images end', () => {
    const pending = createPendingCounts(2);
    pending.add(ann, 2);
    expect(refusal(() => pending.check(ann, 1)).option).toBe('queue');
    pending.add(ann, -1);
    expect(() => pending.check(ann, 1)).not.toThrow();
  });

  it('counts the same person on another platform apart', () => {
    const pending = createPendingCounts(1);
    pending.add(ann, 1);
    expect(() => pending.check({ platform: 'slack', userId: 'ann' }, 1)).not.toThrow();
  });
});
