/**
 * 'position' events: when the queue changes, places are recomputed once per debounce window in one
 * pass over the round-robin order (O(queued tasks) per window, never per event), and only jobs whose
 * place changed are told.
 */
import type { JobView } from '../job-types.ts';
import type { JobRuntime } from './runtime.ts';

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

export function createPositionFeed(rt: JobRuntime, debounceMs: number): PositionFeed {
  const told = new Map<string, number>();
  const views = new Map<string, JobView>();
  /** Started jobs with images still in line: skipped without a store read (pruned once out of line). */
  const gone = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const later = () => {
    if (timer || rt.stopping) return;
    timer = setTimeout(send, debounceMs);
    timer.unref();
  };
  rt.scheduler.onChange(later);

  function send(): void {
    timer = undefined;
    // While submits are held the cards say why; places come back when they resume (retell).
    if (rt.stopping || rt.credits.reason) return;
    const byJob = new Map<string, number>();
    // Positions are ascending in this map, so a job's first task seen is its best place.
    for (const [key, pos] of rt.scheduler.positions()) {
      const jobId = key.slice(0, key.lastIndexOf(':'));
      if (!byJob.has(jobId)) byJob.set(jobId, pos);
    }
    for (const [jobId, pos] of byJob) {
      if (told.get(jobId) === pos || gone.has(jobId)) continue;
      told.set(jobId, pos);
      const view = views.get(jobId) ?? load(jobId);
      if (view) rt.emit({ type: 'position', job: view, position: pos });
    }
    for (const jobId of told.keys()) if (!byJob.has(jobId)) told.delete(jobId);
    for (const jobId of views.keys()) if (!byJob.has(jobId)) views.delete(jobId);
    for (const jobId of gone) if (!byJob.has(jobId)) gone.delete(jobId);
  }

  function load(jobId: string): JobView | undefined {
    const job = rt.store.getJob(jobId);
    if (job?.state !== 'queued') return undefined;
    const tasks = rt.store.getTasks(jobId);
    const view: JobView = {
      ...job,
      tasks: tasks.map((t) => ({ index: t.index, seed: t.seed, state: t.state })),
    };
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
