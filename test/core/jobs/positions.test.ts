/**
 * The place feed on its own, over a line the test moves and a fake clock: which changed places are sent
 * and when. Time only moves when the test says so (the clock and the feed's timer are both fake).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobEvent } from '../../../src/core/job-types.ts';
import { taskKey } from '../../../src/core/jobs/keys.ts';
import { createPositionFeed, PLACE_EVERY_MS } from '../../../src/core/jobs/positions.ts';
import type { JobRow } from '../../../src/core/store/types.ts';

const DEBOUNCE_MS = 300;

const row = (id: string): JobRow => ({
  id,
  state: 'queued',
  request: {
    prompt: 'a fox',
    model: 'klein-4b',
    width: 1024,
    height: 1024,
    seed: 7,
    count: 1,
    safety: 2,
    format: 'jpeg',
    upsample: false,
    references: [],
  },
  origin: { platform: 'cli', userId: 'u' },
  delivery: {},
  estimateMicros: 15_000,
  createdAt: 1,
});

/** A feed over a line of one-image jobs: `line(ids)` sets it (front first) and tells the feed. */
function feed(shared = false) {
  let order: string[] = [];
  /** Shared line: the order other processes have made, read by the next `settled` (a fresh read). */
  let fresh: string[] | undefined;
  let reads = 0;
  let changed = () => {};
  let held = false;
  const stopper = new AbortController();
  const sent: Array<[string, number]> = [];
  /** Shared line: what the feed said to the other processes, and the jobs they left it (`orphans`). */
  const tellers = {
    told: [] as string[],
    left: [] as string[],
    looks: [] as string[][],
    orphans: new Set<string>(),
  };
  let onSent: (id: string, place: number) => void = () => {};
  const positions = createPositionFeed(
    {
      scheduler: {
        onChange: (listener) => {
          changed = listener;
        },
        positions: () => new Map(order.map((id, i) => [taskKey(id, 0), i + 1])),
        shared,
        settled: () => {
          if (!shared) return undefined;
          reads++;
          if (fresh) order = fresh;
          fresh = undefined;
          return Promise.resolve();
        },
        tell: (id) => tellers.told.push(id),
        told: (id) => tellers.left.push(id),
        adopt: async (ids) => {
          tellers.looks.push([...ids]);
          return ids.filter((id) => tellers.orphans.has(id));
        },
      },
      store: { getJobWithTasks: async (id) => ({ job: row(id), tasks: [] }) },
      emit: (e: JobEvent) => {
        if (e.type !== 'position') return;
        sent.push([e.job.id, e.position]);
        onSent(e.job.id, e.position);
      },
      held: () => held,
      stopSignal: stopper.signal,
      warn: () => {},
      now: () => Date.now(),
    },
    { debounceMs: DEBOUNCE_MS },
  );
  const line = (ids: string[]) => {
    order = ids;
    changed();
  };
  /** Every job in `ids` queued in that order, each told its place as jobs.ts does. */
  const queue = (ids: string[]) => {
    line(ids);
    for (const [i, id] of ids.entries()) positions.told(id, i + 1);
  };
  const hold = (on: boolean) => {
    held = on;
  };
  const watch = (listener: (id: string, place: number) => void) => {
    onSent = listener;
  };
  const placeOf = (id: string) => order.indexOf(id) + 1;
  /** Another process changed the line: this one sees it only by reading it again. */
  const elsewhere = (ids: string[]) => {
    fresh = ids;
  };
  return {
    positions,
    line,
    queue,
    hold,
    sent,
    onSent: watch,
    placeOf,
    elsewhere,
    reads: () => reads,
    tellers,
    stop: () => positions.stop(),
  };
}

/** Moves the fake clock, running the feed's passes due meanwhile and the store reads they await. */
async function pass(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
  // The fake store does no I/O: by the next real turn of the event loop every pass has finished.
  await new Promise((resolve) => setImmediate(resolve));
}

/** Jobs `j${from}` to `j${to - 1}`, in that order. */
const jobs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `j${from + i}`);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the place feed', () => {
  it('tells a job that moves every window its new place at most once per interval', async () => {
    const f = feed();
    const told: Array<{ place: number; at: number }> = [];
    f.onSent((id, place) => {
      if (id !== 'j59') return;
      // The place it has when told, not a stale one.
      expect(place).toBe(f.placeOf('j59'));
      told.push({ place, at: Date.now() });
    });
    f.queue(jobs(0, 60));
    // The front job starts every window, so j59 (told 60 when queued) moves up every window for 12 s.
    for (let i = 1; i <= 40; i++) {
      f.line(jobs(i, 60));
      await pass(DEBOUNCE_MS);
    }
    // Its changes wait for the interval's end (then go with the next window's pass): twice in 12 s.
    expect(told).toHaveLength(2);
    const [first = 0, second = 0] = told.map((t) => t.at);
    expect(first).toBeGreaterThanOrEqual(PLACE_EVERY_MS);
    expect(first).toBeLessThan(PLACE_EVERY_MS + DEBOUNCE_MS);
    expect(second - first).toBeGreaterThanOrEqual(PLACE_EVERY_MS);
    expect(second - first).toBeLessThan(PLACE_EVERY_MS + DEBOUNCE_MS);
    f.stop();
  });

  it('tells a place among the first 3 at once, however recently the job heard one', async () => {
    const f = feed();
    f.queue(jobs(0, 6));
    f.line(jobs(2, 6));
    await pass(DEBOUNCE_MS);
    // j2, j3 and j4 are now 1st to 3rd and hear it; j5, now 4th, waits.
    expect(f.sent).toEqual([
      ['j2', 1],
      ['j3', 2],
      ['j4', 3],
    ]);
    f.line(jobs(3, 6));
    await pass(DEBOUNCE_MS);
    expect(f.sent.slice(3)).toEqual([
      ['j3', 1],
      ['j4', 2],
      ['j5', 3],
    ]);
    f.stop();
  });

  it('sends a held-back place when its interval ends, though the line has stopped moving', async () => {
    const f = feed();
    f.queue(jobs(0, 10));
    f.line(jobs(1, 10));
    await pass(DEBOUNCE_MS);
    // j1 to j3 reach the front at once; j4 to j9 moved up one place each, which can wait.
    expect(f.sent).toEqual(jobs(1, 4).map((id, i) => [id, i + 1]));
    // Nothing else happens in line: the feed's own timer brings them their places, together.
    await pass(PLACE_EVERY_MS - DEBOUNCE_MS - 1);
    expect(f.sent).toHaveLength(3);
    await pass(1);
    expect(f.sent.slice(3)).toEqual(jobs(4, 10).map((id, i) => [id, i + 4]));
    // Nothing more is due.
    await pass(3 * PLACE_EVERY_MS);
    expect(f.sent).toHaveLength(9);
    f.stop();
  });

  it('does not send a held-back place the job is back at by the time it is due', async () => {
    const f = feed();
    f.queue(jobs(0, 10));
    f.line(jobs(1, 10));
    await pass(DEBOUNCE_MS);
    // A newcomer goes ahead of j9 (round-robin): it is 10th again, the place it was told.
    f.line(['new', ...jobs(1, 10)]);
    await pass(3 * PLACE_EVERY_MS);
    expect(f.sent.filter(([id]) => id === 'j9')).toEqual([]);
    f.stop();
  });

  it('retells every queued job its place at once when submits resume', async () => {
    const f = feed();
    f.queue(jobs(0, 10));
    f.hold(true);
    f.line(jobs(1, 10));
    await pass(DEBOUNCE_MS);
    expect(f.sent).toEqual([]);
    f.hold(false);
    f.positions.retell();
    await pass(DEBOUNCE_MS);
    expect(f.sent).toEqual(jobs(1, 10).map((id, i) => [id, i + 1]));
    f.stop();
  });

  it('tells, in a shared line, only the jobs this process queued, from a line read afresh', async () => {
    const f = feed(true);
    // This process queued j0, j2 and j4; the others are other processes' (their cards are theirs).
    f.line(jobs(0, 6));
    for (const id of ['j0', 'j2', 'j4']) f.positions.told(id, f.placeOf(id));
    // The line as this process last read it moves; meanwhile another process has started j2 too.
    f.elsewhere(jobs(3, 6));
    f.line(jobs(1, 6));
    await pass(DEBOUNCE_MS);
    expect(f.reads()).toBe(1);
    // j2 is not put back to "queued": the pass read the line again first. Only j4 (now 2nd) hears.
    expect(f.sent).toEqual([['j4', 2]]);
    f.stop();
  });

  it('takes over, in a shared line, the jobs of a process that is gone, looking at most once per interval', async () => {
    const f = feed(true);
    f.line(jobs(0, 4));
    f.positions.told('j0', 1);
    expect(f.tellers.told).toEqual(['j0']);
    // The first pass looks for orphans among the others' jobs: their processes are alive.
    f.line(jobs(0, 5));
    await pass(DEBOUNCE_MS);
    expect(f.tellers.looks).toEqual([['j1', 'j2', 'j3', 'j4']]);
    expect(f.sent).toEqual([]);
    // The process telling j2 and j4 dies. The line moves at once, but the next look waits its interval.
    f.tellers.orphans = new Set(['j2', 'j4']);
    f.line(jobs(1, 5));
    await pass(DEBOUNCE_MS);
    expect(f.tellers.looks).toHaveLength(1);
    expect(f.tellers.left).toEqual(['j0']);
    await pass(PLACE_EVERY_MS);
    expect(f.tellers.looks).toHaveLength(2);
    // Taken over: told their places now, and from then on, like the jobs this process queued.
    expect(f.sent).toEqual([
      ['j2', 2],
      ['j4', 4],
    ]);
    f.line(['j2', 'j3', 'j4']);
    await pass(PLACE_EVERY_MS);
    expect(f.sent.slice(2)).toEqual([
      ['j2', 1],
      ['j4', 3],
    ]);
    f.stop();
  });
});
