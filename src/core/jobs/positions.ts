/**
 * 'position' events: when the queue changes, places are recomputed once per debounce window in one
 * pass over the round-robin order (O(queued tasks) per window, never per event), and only jobs whose
 * place changed are told.
 */
import type { JobEvent, JobView } from '../job-types.ts';
import type { Scheduler } from '../scheduler.ts';
import type { AsyncStore } from '../store/port.ts';
import { jobOfTaskKey, taskKey } from './keys.ts';
import { jobView } from './view.ts';

export interface PositionFeed {
  /** Records the place a job was told when it was queued, so an unchanged place is not sent again. */
  told(jobId: string, position: number): void;
  /** The job changed (delivery data): drop the view kept for it. */
  forget(jobId: string): void;
  /**
   * The job started (or ended): no more places for it, even while another of its images still waits in
   * line — the requester is past "queued".
   */
  left(jobId: string): void;
  /** Sends every queued job its place again, changed or not (their cards said something else meanwhile). */
  retell(): void;
  stop(): void;
}

export interface PositionFeedDeps {
  scheduler: Pick<Scheduler, 'onChange' | 'positions'>;
  store: Pick<AsyncStore, 'getJob' | 'getTasks'>;
  emit(event: JobEvent): void;
  /** True while submits are held (out of credits): the cards say why instead. */
  held(): boolean;
  /** Aborted by stop(): no more places are sent. */
  stopSignal: AbortSignal;
  warn(fields: Record<string, unknown>, message: string): void;
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

export function createPositionFeed(deps: PositionFeedDeps, debounceMs: number): PositionFeed {
  const { store, stopSignal } = deps;
  const told = new Map<string, number>();
  const views = new Map<string, JobView>();
  /** Started jobs with images still in line: skipped without a store read (pruned once out of line). */
  const gone = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  /** A pass is reading jobs: a change meanwhile waits for it, so two passes never interleave their places. */
  let sending = false;
  let changedMeanwhile = false;
  /** Bumped by forget: a view read before it is not kept. */
  let forgets = 0;

  const later = () => {
    if (sending) changedMeanwhile = true;
    if (timer || sending || stopSignal.aborted) return;
    timer = setTimeout(() => {
      timer = undefined;
      sending = true;
      send()
        .catch((err: unknown) => deps.warn({ err }, 'places not sent'))
        .finally(() => {
          sending = false;
          if (changedMeanwhile) {
            changedMeanwhile = false;
            later();
          }
        });
    }, debounceMs);
    timer.unref();
  };
  deps.scheduler.onChange(later);

  /** True while a place is still news: the job is in line, not started, and submits are not held. */
  const placeable = (jobId: string) => !stopSignal.aborted && !deps.held() && !gone.has(jobId);

  async function send(): Promise<void> {
    // While submits are held the cards say why; places come back when they resume (retell).
    if (stopSignal.aborted || deps.held()) return;
    const byJob = placesByJob(deps.scheduler);
    let read = false;
    for (const [jobId, pos] of byJob) {
      if (told.get(jobId) === pos || !placeable(jobId)) continue;
      told.set(jobId, pos);
      let view = views.get(jobId);
      if (!view) {
        read = true;
        view = await load(jobId);
      }
      // The job may have started (or submits been held) while it was read: its card is past this place.
      if (view && placeable(jobId)) deps.emit({ type: 'position', job: view, position: pos });
    }
    // The line as it is now: jobs may have joined (and started) while views were read.
    const inLine = read ? placesByJob(deps.scheduler) : byJob;
    for (const jobId of told.keys()) if (!inLine.has(jobId)) told.delete(jobId);
    for (const jobId of views.keys()) if (!inLine.has(jobId)) views.delete(jobId);
    for (const jobId of gone) if (!inLine.has(jobId)) gone.delete(jobId);
  }

  async function load(jobId: string): Promise<JobView | undefined> {
    const before = forgets;
    const job = await store.getJob(jobId);
    if (job?.state !== 'queued') return undefined;
    const view = jobView(job, await store.getTasks(jobId));
    if (forgets !== before) return view;
    // A queued job's view does not change until it starts (delivery patches call forget), and a long
    // queue re-sends places every window: keep it rather than read and parse it each time. Reference
    // bytes would make thousands of kept views heavy, so those jobs are read each time instead.
    if (!job.request.references.some((r) => r.kind === 'bytes')) views.set(jobId, view);
    return view;
  }

  return {
    told(jobId, position) {
      if (position > 0) told.set(jobId, position);
    },
    forget(jobId) {
      forgets++;
      views.delete(jobId);
    },
    left(jobId) {
      views.delete(jobId);
      told.delete(jobId);
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
