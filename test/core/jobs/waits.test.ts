import { describe, expect, it, vi } from 'vitest';
import type { FluxError } from '../../../src/core/errors.ts';
import { createWaits } from '../../../src/core/jobs/waits.ts';

describe('waits by provider task id', () => {
  it('wakes a listening wait, and says so; an unknown task is not woken', () => {
    const waits = createWaits();
    const wait = waits.open('task-1');
    const wake = vi.fn();
    wait.listen(wake);
    expect(waits.wake('task-1')).toBe(true);
    expect(wake).toHaveBeenCalledTimes(1);
    expect(waits.wake('task-2')).toBe(false);
  });

  it('keeps a wake that comes before the poller listens, and hands it over when it does', () => {
    const waits = createWaits();
    const wait = waits.open('task-1');
    expect(waits.wake('task-1')).toBe(true);
    const wake = vi.fn();
    wait.listen(wake);
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it('forgets a closed wait', () => {
    const waits = createWaits();
    waits.open('task-1').close();
    expect(waits.wake('task-1')).toBe(false);
  });

  it('aborts every open wait on stop, with SHUTTING_DOWN', () => {
    const waits = createWaits();
    const a = waits.open('a');
    const b = waits.open('b');
    waits.stopAll();
    for (const w of [a, b]) {
      expect(w.signal.aborted).toBe(true);
      expect((w.signal.reason as FluxError).code).toBe('SHUTTING_DOWN');
    }
  });
});
