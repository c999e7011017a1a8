/** The one place a stored job becomes the view front ends get. */
import type { JobView, TaskView } from '../job-types.ts';
import type { JobRow } from '../store/types.ts';

/** The job's total is marked estimated when the cost of any of its tasks is. */
export function jobView(job: JobRow, tasks: readonly TaskView[]): JobView {
  let estimated = false;
  const view: JobView = {
    ...job,
    tasks: tasks.map((t) => {
      const tv: TaskView = { index: t.index, seed: t.seed, state: t.state };
      if (t.costMicros !== undefined) tv.costMicros = t.costMicros;
      if (t.costEstimated && t.costMicros) {
        tv.costEstimated = true;
        estimated = true;
      }
      if (t.error) tv.error = t.error;
      return tv;
    }),
  };
  if (estimated && view.costMicros !== undefined) view.costEstimated = true;
  return view;
}
