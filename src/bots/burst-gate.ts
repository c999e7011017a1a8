/**
 * Acknowledgements before follow-up work. In a burst, the work after an ack (parsing, a card post, a
 * job) would otherwise take the event loop ahead of requests not yet answered. Released work waits for a
 * turn of the event loop that brought no new request (or, with `quietMs`, for that long without one),
 * then goes one item per turn, so a request arriving meanwhile waits for at most one item's synchronous
 * part, not everyone's. None waits past maxHoldMs.
 */
export interface BurstGate {
  /** A request came in: call it before its acknowledgement is sent. */
  arrived(): void;
  /** Resolves when this acknowledged request's follow-up work may run. */
  answered(): Promise<void>;
}

/**
 * `quietMs` 0: one turn without an arrival opens the gate. Above 0, the gate stays shut until no request
 * came for that long: a burst whose requests reach us a few turns apart (a sender that cannot write them
 * all at once) is then answered in full before its work starts, instead of an item between every two.
 * The wait is a timer, not a spin of turns, so the CPU stays free for whoever is sending.
 */
export function createBurstGate(maxHoldMs = 250, quietMs = 0): BurstGate {
  let arrivals = 0;
  let seen = 0;
  let lastArrival = 0;
  let turning = false;
  const waiting: Array<{ since: number; go: () => void }> = [];

  // One check per turn (setImmediate runs after the turn's I/O): release the oldest when that turn was quiet.
  const turn = (): void => {
    const now = performance.now();
    const quiet = quietMs > 0 ? now - lastArrival >= quietMs : arrivals === seen;
    seen = arrivals;
    const first = waiting[0];
    if (!first) {
      turning = false;
      return;
    }
    const held = now - first.since;
    if (quiet || held > maxHoldMs) {
      waiting.shift();
      first.go();
      if (waiting.length) setImmediate(turn);
      else turning = false;
      return;
    }
    if (quietMs > 0) setTimeout(turn, Math.max(1, Math.min(quietMs - (now - lastArrival), maxHoldMs - held)));
    else setImmediate(turn);
  };

  return {
    arrived() {
      arrivals++;
      lastArrival = performance.now();
    },
    answered() {
      return new Promise<void>((go) => {
        waiting.push({ since: performance.now(), go });
        if (turning) return;
        turning = true;
        seen = arrivals;
        setImmediate(turn);
      });
    },
  };
}
