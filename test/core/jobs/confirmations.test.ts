import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../../../src/core/job-types.ts';
import { createConfirmations } from '../../../src/core/jobs/confirmations.ts';
import { createJobLocks } from '../../../src/core/jobs/job-locks.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import type { JobRow } from '../../../src/core/store/types.ts';
import { job, task } from '../store/contract.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** Confirmations over an in-memory job, counting the store's reads of it. */
function confirmations(row: JobRow, ttlMs: number) {
  let current = row;
  const reads = { n: 0 };
  const events: JobEvent[] = [];
  const c = createConfirmations(
    {
      store: {
        getJobWithTasks: async () => {
          reads.n++;
          return { job: current, tasks: [task(row.id, 0)] };
        },
        getTasks: async () => [task(row.id, 0)],
        updateJob: async (_id, patch) => {
          current = { ...current, ...patch };
        },
      },
      locks: createJobLocks(),
      emit: (e) => events.push(e),
      now: Date.now,
      logger: silentLogger(),
      stopSignal: new AbortController().signal,
    },
    ttlMs,
  );
  return { c, reads, events, state: () => current.state };
}

describe('expiring a job nobody confirmed', () => {
  it('keeps one deadline per job while it is pending: asked again (every sweep), it schedules nothing', async () => {
    vi.useFakeTimers();
    const row = job('j1', { state: 'awaiting_confirmation', createdAt: Date.now() });
    const { c, reads, events, state } = confirmations(row, 1_000);
    c.expireLater(row);
    c.expireLater(row);
    c.expireLater(row);
    expect(vi.getTimerCount()).toBe(1);
    await vi.runAllTimersAsync();
    expect(reads.n).toBe(1);
    expect(state()).toBe('cancelled');
    expect(events.map((e) => e.type)).toEqual(['cancelled']);
    // Once it has run, a new ask schedules again (it finds the job ended and does nothing).
    c.expireLater(row);
    expect(vi.getTimerCount()).toBe(1);
    await vi.runAllTimersAsync();
    expect(reads.n).toBe(2);
    expect(events).toHaveLength(1);
  });

  it('leaves a job confirmed before its deadline alone', async () => {
    vi.useFakeTimers();
    const row = job('j2', { state: 'awaiting_confirmation', createdAt: Date.now() });
    const { c, events } = confirmations({ ...row, state: 'queued' }, 1_000);
    c.expireLater(row);
    await vi.runAllTimersAsync();
    expect(events).toHaveLength(0);
  });
});
