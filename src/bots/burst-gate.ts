/**
 * Acknowledgements before follow-up work. In a burst, the work after an ack (parsing, a card post, a
 * job) would otherwise take the event loop ahead of requests not yet answered. Released work waits for a
 * turn of the event loop that brought no new request, then goes one item per turn, so a request arriving
 * meanwhile waits for at most one item's synchronous part, not everyone's. None waits past maxHoldMs.
 */
export interface BurstGate {
  /** A request came in: call it before its acknowledgement is sent. */
  arrived(): void;
  /** Resolves when this acknowledged request's follow-up work may run. */
  answered(): Promise<void>;
}

export function createBurstGate(maxHoldMs = 250): BurstGate {
  let arrivals = 0;
  let seen = 0;
  let turning = false;
  const waiting: Array<{ since: number; go: () => void }> = [];

  // One check per turn (setImmediate runs after the turn's I/O): release the oldest when that turn was quiet.
  const turn = (): void => {
    const quiet = arrivals === seen;
    seen = arrivals;
    const first = waiting[0];
    if (first && (quiet || performance.now() - first.since > maxHoldMs)) {
      waiting.shift();
      first.go();
    }
    if (waiting.length) setImmediate(turn);
    else turning = false;
  };

  return {
    arrived() {
      arrivals++;
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
