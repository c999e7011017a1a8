/**
 * A Provider (our own port) driven by the test: submits answer at once (or as scripted), and every wait
 * stays open until the test finishes or fails it. `ready` says the provider is done with a task (its
 * slot may go) while its image is held back until `finish`, like a download still under way. For jobs unit tests; the real BFL provider is tested
 * against the loopback fake in the e2e files.
 */
import { ProviderError } from '../../src/core/errors.ts';
import type {
  ImageResult,
  Provider,
  ReadyInfo,
  SubmittedTask,
  TaskSpec,
  WaitOptions,
} from '../../src/core/providers/types.ts';
import { tinyPng } from '../fakes/images.ts';

interface OpenWait {
  task: SubmittedTask;
  options: WaitOptions;
  resolve(result: ImageResult): void;
  reject(err: unknown): void;
  /** onReady was called. */
  ready: boolean;
}

export interface FakeProvider extends Provider {
  /** Every submit call in order (including refused ones), with what it was asked. */
  readonly submits: TaskSpec[];
  /** Every wait call in order. */
  readonly waitCalls: Array<{ task: SubmittedTask; options: WaitOptions }>;
  /** Task ids woken through WaitOptions.onWake. */
  readonly woken: string[];
  /** Replaces how submits answer; `n` counts submit calls from 0. */
  onSubmit(fn: (spec: TaskSpec, n: number) => Promise<SubmittedTask> | SubmittedTask): void;
  /** Ids of tasks being waited for right now, in the order their waits began. */
  waiting(): string[];
  /** The provider says the task is done (WaitOptions.onReady); the wait stays open until `finish`. */
  ready(taskId: string, info?: ReadyInfo): void;
  /** Ends the wait with an image (saying it is ready first, when `ready` was not called). */
  finish(taskId: string, over?: Partial<ImageResult>): void;
  fail(taskId: string, err: ProviderError): void;
}

export function createFakeProvider(): FakeProvider {
  const submits: TaskSpec[] = [];
  const waitCalls: FakeProvider['waitCalls'] = [];
  const woken: string[] = [];
  const open = new Map<string, OpenWait>();
  let n = 0;
  let submitImpl: (spec: TaskSpec, n: number) => Promise<SubmittedTask> | SubmittedTask = (_, i) => ({
    taskId: `t${i}`,
    pollingUrl: `https://poll.example/t${i}`,
    submittedAt: Date.now(),
  });

  const find = (taskId: string): OpenWait => {
    const w = open.get(taskId);
    if (!w) throw new Error(`no wait open for ${taskId}; open: ${[...open.keys()].join(', ')}`);
    return w;
  };
  const take = (taskId: string): OpenWait => {
    const w = find(taskId);
    open.delete(taskId);
    return w;
  };
  const tellReady = (w: OpenWait, info: ReadyInfo) => {
    if (w.ready) return;
    w.ready = true;
    w.options.onReady?.(info);
  };

  return {
    name: 'bfl',
    submits,
    waitCalls,
    woken,
    async submit(spec) {
      submits.push(spec);
      return submitImpl(spec, n++);
    },
    waitForResult(task, options = {}) {
      waitCalls.push({ task, options });
      return new Promise<ImageResult>((resolve, reject) => {
        open.set(task.taskId, { task, options, resolve, reject, ready: false });
        options.signal?.addEventListener('abort', () => {
          open.delete(task.taskId);
          reject(options.signal?.reason);
        });
        options.onWake?.(() => woken.push(task.taskId));
      });
    },
    onSubmit(fn) {
      submitImpl = fn;
    },
    waiting() {
      return [...open.keys()];
    },
    ready(taskId, info = {}) {
      tellReady(find(taskId), info);
    },
    finish(taskId, over = {}) {
      const w = take(taskId);
      tellReady(w, {});
      w.resolve({ data: Buffer.from(tinyPng), contentType: 'image/png', ...over });
    },
    fail(taskId, err) {
      take(taskId).reject(err);
    },
  };
}

export const moderated = () =>
  new ProviderError('CONTENT_MODERATED', 'the generated image was moderated', { charge: 'none' });
export const failedUnknown = () => new ProviderError('TASK_FAILED', 'task failed', { charge: 'unknown' });
export const rateLimited = (retryAfter?: number) =>
  new ProviderError('PROVIDER_RATE_LIMITED', 'too many active tasks (429)', {
    status: 429,
    charge: 'none',
    ...(retryAfter === undefined ? {} : { retryAfter }),
  });
