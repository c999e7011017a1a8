/**
 * Out of credits (a 402): every new submit is held — retrying them would only collect more refusals —
 * until the account can pay again, and not a moment longer. With a readable balance (BFL `GET
 * /v1/credits`) it is checked with backoff (1 s, 2 s, 4 s … 30 s) and submits resume at the first check
 * that covers the refused image. Without one (a gateway), one submit at a time probes, on the same
 * backoff; the first that goes through reopens everything. Waiting jobs are told why on their card.
 */
import type { HoldReason, JobView } from '../job-types.ts';
import type { Micros } from '../pricing.ts';
import { sleep } from '../providers/sleep.ts';
import type { SchedulerView } from '../scheduler.ts';

export interface CreditCheckPolicy {
  /** First look after a 402. */
  firstMs: number;
  /** Longest gap between looks. */
  maxMs: number;
}

export const DEFAULT_CREDIT_CHECK: CreditCheckPolicy = { firstMs: 1_000, maxMs: 30_000 };

/** How a held task was let go: the balance covers its image now, or it is the probe. */
export type Reopened = 'balance' | 'probe';

export interface CreditGate {
  /** Why new submits are held, while they are. */
  readonly reason: HoldReason | undefined;
  /**
   * A submit was refused for credits. Holds new submits (if not yet held), and resolves when this task
   * may try again; rejects when the service stops.
   */
  refused(needMicros: Micros, signal: AbortSignal): Promise<Reopened>;
  /** A submit went through: the account pays again. */
  succeeded(): void;
}

export interface CreditGateDeps {
  scheduler: Pick<SchedulerView, 'hold' | 'release' | 'admit'>;
  /** The provider's balance; absent (or undefined, or failing) means there is none to read. */
  credits?: () => Promise<Micros | undefined>;
  policy: CreditCheckPolicy;
  stopSignal: AbortSignal;
  /** Jobs with tasks waiting in line, to tell them why. */
  queuedJobs(): Promise<JobView[]>;
  /** Tells one job why it waits. */
  tell(job: JobView, reason: HoldReason): void;
  /** Submits resumed: queued jobs hear their places again. */
  reopened(): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export function createCreditGate(deps: CreditGateDeps): CreditGate {
  const { scheduler, policy } = deps;
  let closed = false;
  /** Looks since the account last paid: the backoff keeps growing across probes that fail. */
  let looks = 0;
  /** The cheapest refused image: a balance that covers it lets work resume. */
  let need = Number.POSITIVE_INFINITY;
  let waiters: Array<(how: Reopened) => void> = [];
  let watching = false;

  function open(how: Reopened): void {
    closed = false;
    need = Number.POSITIVE_INFINITY;
    const released = waiters;
    waiters = [];
    scheduler.release();
    for (const resolve of released) resolve(how);
    deps.reopened();
  }

  async function balance(): Promise<Micros | undefined> {
    if (!deps.credits) return undefined;
    try {
      return await deps.credits();
    } catch (err) {
      deps.warn({ err }, 'provider balance unreadable while out of credits; probing instead');
      return undefined;
    }
  }

  async function watch(): Promise<void> {
    if (watching) return;
    watching = true;
    try {
      await looking();
    } finally {
      watching = false;
    }
  }

  async function looking(): Promise<void> {
    while (closed) {
      try {
        await sleep(Math.min(policy.maxMs, policy.firstMs * 2 ** looks), deps.stopSignal);
      } catch {
        return; // Stopping.
      }
      looks++;
      if (!closed) return;
      const micros = await balance();
      if (!closed) return;
      if (micros !== undefined) {
        if (micros >= need) open('balance');
        continue;
      }
      // Nothing to read: one more try tells. A task already holding a slot goes first.
      const probe = waiters.shift();
      if (probe) probe('probe');
      else scheduler.admit(1);
    }
  }

  async function tellQueued(): Promise<void> {
    try {
      const jobs = await deps.queuedJobs();
      // Reopened while they were read: their cards are past waiting.
      if (closed) for (const job of jobs) deps.tell(job, 'out_of_credits');
    } catch (err) {
      deps.warn({ err }, 'waiting jobs not told why: store unreadable');
    }
  }

  return {
    get reason() {
      return closed ? 'out_of_credits' : undefined;
    },
    refused(needMicros, signal) {
      need = Math.min(need, needMicros);
      if (!closed) {
        closed = true;
        scheduler.hold();
        deps.warn({ looks }, 'provider account out of credits: new submits held');
        void tellQueued();
        void watch();
      }
      return new Promise<Reopened>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const onAbort = () => {
          waiters = waiters.filter((w) => w !== done);
          reject(signal.reason);
        };
        const done = (how: Reopened) => {
          signal.removeEventListener('abort', onAbort);
          resolve(how);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiters.push(done);
      });
    },
    succeeded() {
      looks = 0;
      if (closed) open('probe');
    },
  };
}
