/**
 * 'position' events: when the queue changes, places are recomputed once per debounce window in one
 * pass over the round-robin order (O(queued tasks) per window, never per event), and only jobs whose
 * place changed are told. A changed place is news, but not every window: each one is a card edit, and
 * Slack allows a workspace about 50 a minute. So a job hears a new place at most once per
 * `placeEveryMs`, unless it reaches the front of the line ("you're next" is worth an edit at once). A
 * change held back goes out when its interval ends, even if the line stops moving: one timer for the
 * feed, set for the earliest such job.
 *
 * Where processes share the line (distributed mode), each tells only the jobs it queued — every
 * process sees the whole line, and three processes telling every card would triple the edits — and
 * reads the line afresh before each pass: a job another process has just started must not have its
 * card put back to "queued" after that process said it is generating. The jobs of a process that
 * stopped or died are taken over by the live ones (at most one look every `placeEveryMs`;
 * queue/tellers.ts decides who takes which), so their cards go on hearing their places.
 */
import type { JobEvent, JobView } from '../job-types.ts';
import type { Scheduler } from '../scheduler.ts';
import type { AsyncStore } from '../store/port.ts';
import { jobOfTaskKey, taskKey } from './keys.ts';
import type { TaskQueue } from './task-queue.ts';
import { jobView } from './view.ts';

/** The least time between two places told to one job (unless the new one is near the front). */
export const PLACE_EVERY_MS = 5_000;
/** Places told at once, however recently the job heard one. */
const FRONT = 3;

export interface PositionFeed {
  /**
   * Records the place a job was told when it was queued, so an unchanged place is not sent again (and a
   * changed one further back waits out the interval from now).
   */
  told(jobId: string, position: number): void;
  /** The job changed (delivery data): drop the view kept for it. */
  forget(jobId: string): void;
  /**
   * The job started (or ended): no more places for it, even while another of its images still waits in
   * line — the requester is past "queued".
   */
  left(jobId: string): void;
  /**
   * Sends every queued job its place again at the next window, changed or not and however recently
   * told (their cards said something else meanwhile).
   */
  retell(): void;
  stop(): void;
}

export interface PositionFeedDeps {
  scheduler: Pick<TaskQueue, 'onChange' | 'positions' | 'shared' | 'settled' | 'tell' | 'told' | 'adopt'>;
  store: Pick<AsyncStore, 'getJobWithTasks'>;
  emit(event: JobEvent): void;
  /** True while submits are held (out of credits): the cards say why instead. */
  held(): boolean;
  /** Aborted by stop(): no more places are sent. */
  stopSignal: AbortSignal;
  warn(fields: Record<string, unknown>, message: string): void;
  now(): number;
}

export interface PositionTiming {
  /** How long queue changes are gathered before places are recomputed. */
  debounceMs: number;
  /** The least time between two places told to one job, unless the new one is near the front. */
  placeEveryMs?: number;
}

/** The best place of a job's images in line; 0 when none is waiting (handed to a slot, starting). */
export function linePosition(scheduler: Pick<Scheduler, 'position'>, jobId: string, count: number): number {
  let best = 0;
  for (let i = 0; i < count; i++) {
    const pos = scheduler.position(taskKey(jobId, i)) ?? 0;
    if (pos > 0 && (best === 0 || pos < best)) best = pos;
  }
  return best;
}

/** The best place of every job with images in line, in one pass over the round-robin order. */
export function placesByJob(scheduler: Pick<Scheduler, 'positions'>): Map<string, number> {
  const byJob = new Map<string, number>();
  // Positions are ascending in this map, so a job's first task seen is its best place.
  for (const [key, pos] of scheduler.positions()) {
    const jobId = jobOfTaskKey(key);
    if (!byJob.has(jobId)) byJob.set(jobId, pos);
  }
  return byJob;
}

export function createPositionFeed(deps: PositionFeedDeps, timing: PositionTiming): PositionFeed {
  const { store, stopSignal, now } = deps;
  const { debounceMs, placeEveryMs = PLACE_EVERY_MS } = timing;
  /** The place each job in line was last told, and when. */
  const told = new Map<string, { place: number; at: number }>();
  const views = new Map<string, JobView>();
  /** Started jobs with images still in line: skipped without a store read (pruned once out of line). */
  const gone = new Set<string>();
  /**
   * Shared line: the jobs whose places are this process's to tell — those it queued, and those it took
   * over from a process that is gone (pruned once out of line).
   */
  const mine = new Set<string>();
  const { shared } = deps.scheduler;
  let timer: NodeJS.Timeout | undefined;
  /** When the timer's pass runs (`now()`'s clock). */
  let timerAt = 0;
  /** A pass is reading jobs: a change meanwhile waits for it, so two passes never interleave their places. */
  let sending = false;
  let changedMeanwhile = false;
  /** Bumped by forget: a view read before it is not kept. */
  let forgets = 0;
  /** Shared line: when this process last looked for jobs whose teller is gone. */
  let lookedAt = Number.NEGATIVE_INFINITY;

  /** A pass at `at`, unless one is already set for then or sooner (passes stay one window apart). */
  const passAt = (at: number) => {
    if (sending || stopSignal.aborted || (timer && timerAt <= at)) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(pass, at - now());
    timer.unref();
  };
  const later = () => {
    if (sending) changedMeanwhile = true;
    passAt(now() + debounceMs);
  };
  const pass = () => {
    timer = undefined;
    sending = true;
    let due: number | undefined;
    send()
      .then((at) => {
        due = at;
      })
      .catch((err: unknown) => deps.warn({ err }, 'places not sent'))
      .finally(() => {
        sending = false;
        if (changedMeanwhile) {
          changedMeanwhile = false;
          later();
        }
        // Not sooner than a window away: changes due at scattered times go out together, one pass per
        // window at most (and a clock behind the timers' cannot spin it).
        if (due !== undefined) passAt(Math.max(due, now() + debounceMs));
      });
  };
  deps.scheduler.onChange(later);

  /** True while a place is still news: the job is in line, not started, and submits are not held. */
  const placeable = (jobId: string) =>
    !stopSignal.aborted && !deps.held() && !gone.has(jobId) && (!shared || mine.has(jobId));

  /** One pass; resolves to when the earliest change it held back is due, if any. */
  async function send(): Promise<number | undefined> {
    // While submits are held the cards say why; places come back when they resume (retell).
    if (stopSignal.aborted || deps.held()) return undefined;
    if (shared && mine.size) await deps.scheduler.settled();
    const at = now();
    const byJob = placesByJob(deps.scheduler);
    let due = shared ? await adoptOrphans(byJob, at) : undefined;
    let read = false;
    for (const [jobId, pos] of byJob) {
      const last = told.get(jobId);
      if (last?.place === pos || !placeable(jobId)) continue;
      if (last && pos > FRONT && at - last.at < placeEveryMs) {
        due = Math.min(due ?? Infinity, last.at + placeEveryMs);
        continue;
      }
      told.set(jobId, { place: pos, at });
      let view = views.get(jobId);
      if (!view) {
        read = true;
        view = await load(jobId);
      }
      // The job may have started (or submits been held) while it was read: its card is past this place.
      if (view && placeable(jobId)) deps.emit({ type: 'position', job: view, position: pos });
    }
    // The line as it is now: jobs may have joined (and started) while views were read.
    const inLine = read || shared ? placesByJob(deps.scheduler) : byJob;
    for (const jobId of told.keys()) if (!inLine.has(jobId)) told.delete(jobId);
    for (const jobId of views.keys()) if (!inLine.has(jobId)) views.delete(jobId);
    for (const jobId of gone) if (!inLine.has(jobId)) gone.delete(jobId);
    for (const jobId of mine) if (!inLine.has(jobId)) stopTelling(jobId);
    return due;
  }

  /**
   * Takes over the jobs in line whose teller stopped or died and that fall to this process. Looks at most
   * once per `placeEveryMs` (a Redis read of every other job's teller); resolves to when it may look
   * again while other processes' jobs wait.
   */
  async function adoptOrphans(byJob: Map<string, number>, at: number): Promise<number | undefined> {
    const others = [...byJob.keys()].filter((jobId) => !mine.has(jobId) && !gone.has(jobId));
    if (!others.length) return undefined;
    if (at - lookedAt < placeEveryMs) return lookedAt + placeEveryMs;
    lookedAt = at;
    for (const jobId of await deps.scheduler.adopt(others)) mine.add(jobId);
    return at + placeEveryMs;
  }

  function stopTelling(jobId: string) {
    if (mine.delete(jobId)) deps.scheduler.told(jobId);
  }

  async function load(jobId: string): Promise<JobView | undefined> {
    const before = forgets;
    const found = await store.getJobWithTasks(jobId);
    if (found?.job.state !== 'queued') return undefined;
    const { job } = found;
    const view = jobView(job, found.tasks);
    if (forgets !== before) return view;
    // A queued job's view does not change until it starts (delivery patches call forget), and a long
    // queue re-sends places every window: keep it rather than read and parse it each time. Reference
    // bytes would make thousands of kept views heavy, so those jobs are read each time instead.
    if (!job.request.references.some((r) => r.kind === 'bytes')) views.set(jobId, view);
    return view;
  }

  return {
    told(jobId, position) {
      if (position <= 0) return;
      told.set(jobId, { place: position, at: now() });
      if (shared && !mine.has(jobId)) {
        mine.add(jobId);
        deps.scheduler.tell(jobId);
      }
    },
    forget(jobId) {
      forgets++;
      views.delete(jobId);
    },
    left(jobId) {
      views.delete(jobId);
      told.delete(jobId);
      stopTelling(jobId);
      gone.add(jobId);
    },
    retell() {
      told.clear();
      later();
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
