/** Prompt keywords that pick what happens to one task (documented in ../bfl-server.ts). */
import type { Outcome } from './types.ts';

export interface TaskPlan {
  outcome: Outcome;
  /** `[not-found]` answers with HTTP 404; `[not-found-200]` with 200 and the status in the body. */
  notFoundHttp: 200 | 404;
  /** `[not-found-first=N]`: the first N polls answer "Task not found", then the task is normal. */
  notFoundFirst: number;
  generationMs: number | undefined;
  /** Submit answers, before a task is created. */
  refuse: 402 | 403 | 422 | '422-array' | undefined;
  /** `[500]`: the task is created, then the submit answers 500 (it exists and is billed). */
  failAfterCreate: boolean;
  slowSubmit: boolean;
  image:
    | { kind: 'format' }
    | { kind: 'big' }
    | { kind: 'png'; width: number; height: number }
    | { kind: 'html' };
  noLength: boolean;
  noCost: boolean;
  noProgress: boolean;
}

export function planFor(prompt: string): TaskPlan {
  const has = (k: string) => prompt.includes(`[${k}]`);
  const num = (k: string) => {
    const m = new RegExp(`\\[${k}=(\\d+)\\]`).exec(prompt);
    return m ? Number(m[1]) : undefined;
  };
  const size = /\[img=(\d+)x(\d+)\]/.exec(prompt);
  const outcomes: Outcome[] = ['request-moderated', 'content-moderated', 'error', 'failed'];
  let outcome: Outcome = outcomes.find(has) ?? 'ready';
  if (has('not-found') || has('not-found-200')) outcome = 'not-found';
  let refuse: TaskPlan['refuse'];
  if (has('402')) refuse = 402;
  else if (has('403')) refuse = 403;
  else if (has('422-array')) refuse = '422-array';
  else if (has('422')) refuse = 422;
  let image: TaskPlan['image'] = { kind: 'format' };
  if (has('big')) image = { kind: 'big' };
  if (size) image = { kind: 'png', width: Number(size[1]), height: Number(size[2]) };
  if (has('not-image')) image = { kind: 'html' };
  return {
    outcome,
    notFoundHttp: has('not-found-200') ? 200 : 404,
    notFoundFirst: num('not-found-first') ?? 0,
    generationMs: num('gen-ms'),
    refuse,
    failAfterCreate: has('500'),
    slowSubmit: has('slow-submit'),
    image,
    noLength: has('no-length'),
    noCost: has('no-cost'),
    noProgress: has('no-progress'),
  };
}
