/** The cached view of the BullMQ queue, over a fake queue: what it reads per refresh and what it answers. */
import type { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueueView, type QueueView } from '../../../src/core/queue/queue-view.ts';
import { idOf } from '../../../src/core/queue/task-ids.ts';

/** A queue holding these task keys in order (as BullMQ ids), counting the reads made of it. */
function fakeQueue() {
  const state = { keys: [] as string[], active: 0, reads: 0 };
  /** Set to hold the next read's answer until `go` is called. */
  let gate: Promise<void> | undefined;
  const queue = {
    async getRanges(types: string[], start: number, end: number, asc: boolean) {
      expect([types, start, end, asc]).toEqual([['wait', 'prioritized'], 0, -1, true]);
      state.reads++;
      const ids = state.keys.map(idOf);
      await gate;
      return ids;
    },
    async getActiveCount() {
      return state.active;
    },
  };
  const hold = () => {
    let go!: () => void;
    gate = new Promise<void>((r) => {
      go = r;
    });
    return () => {
      gate = undefined;
      go();
    };
  };
  return { state, hold, queue: queue as unknown as Queue };
}

const open: QueueView[] = [];
afterEach(() => {
  for (const v of open.splice(0)) v.stop();
});

function view(queue: Queue) {
  let changes = 0;
  const v = createQueueView({
    queue,
    debounceMs: 60_000,
    everyMs: 60_000,
    changed: () => changes++,
    onError: (err) => {
      throw err;
    },
  });
  open.push(v);
  return { v, changes: () => changes };
}

const places = (keys: string[]) => new Map(keys.map((k, i) => [k, i + 1]));

describe('queue view', () => {
  it('answers places and the active count from one read of the ids, telling listeners only of changes', async () => {
    const f = fakeQueue();
    const { v, changes } = view(f.queue);
    f.state.keys = ['a:0', 'b:0', 'a:1'];
    f.state.active = 2;
    await v.refresh();
    expect(v.positions).toEqual(places(['a:0', 'b:0', 'a:1']));
    expect([v.active, changes(), f.state.reads]).toEqual([2, 1, 1]);
    // Nothing moved: the same places, and no one told.
    const before = v.positions;
    await v.refresh();
    expect(v.positions).toBe(before);
    expect(changes()).toBe(1);
    // Only the active count moved.
    f.state.active = 3;
    await v.refresh();
    expect([v.positions, v.active, changes()]).toEqual([before, 3, 2]);
    // The order moved.
    f.state.keys = ['b:0', 'a:1'];
    await v.refresh();
    expect([v.positions, changes()]).toEqual([places(['b:0', 'a:1']), 3]);
  });

  it('drops forgotten tasks at once, the ones behind moving up, until a read says otherwise', async () => {
    const f = fakeQueue();
    const { v, changes } = view(f.queue);
    f.state.keys = ['a:0', 'b:0', 'c:0', 'd:0'];
    await v.refresh();
    v.forget('b:0');
    v.forget('c:0');
    v.forget('unknown:0');
    expect(v.positions).toEqual(places(['a:0', 'd:0']));
    v.forget('a:0');
    expect(v.positions).toEqual(places(['d:0']));
    // A read taken before the removals reached Redis still shows them: it wins, as any read does.
    await v.refresh();
    expect(v.positions).toEqual(places(['a:0', 'b:0', 'c:0', 'd:0']));
    f.state.keys = ['d:0'];
    await v.refresh();
    expect([v.positions, changes()]).toEqual([places(['d:0']), 2]);
  });

  it('reads once more when asked during a read, so the answer includes every change made before', async () => {
    const f = fakeQueue();
    const { v } = view(f.queue);
    const go = f.hold();
    const first = v.refresh();
    f.state.keys = ['late:0'];
    const second = v.refresh();
    go();
    await Promise.all([first, second]);
    expect([v.positions, f.state.reads]).toEqual([places(['late:0']), 2]);
  });
});
