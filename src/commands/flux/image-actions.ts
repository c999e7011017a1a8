/**
 * One image of several: a result of 2–4 images carries, beside the job-wide buttons, a row of numbered
 * buttons per action (Reroll 1 … 4, Remix 1 … 4, Use 1 … 4 as reference), each acting on that image
 * alone. Rows per action keep Discord's limits (5 rows of 5): the job row, three action rows, and on a
 * draft one row of Final 1 … 4 (result-extras.ts). On the wire the image is its task index: `flux:<action>@<index>:<jobId>`
 * for buttons, `<kind>:<jobId>@<index>` for the forms they open.
 */
import { FluxError } from '../../core/errors.ts';
import type { JobView } from '../../core/job-types.ts';
import type { Button, ButtonAction } from '../context.ts';
import { defineMessages } from '../i18n/define.ts';
import type { Locale } from '../i18n/locale.ts';

/** The actions every result of several images offers per image, one row each, in this order. */
export const IMAGE_ACTIONS = ['reroll', 'remix', 'use-ref'] as const satisfies readonly ButtonAction[];
/** What may be pressed for one image: those, and a draft's Final (its row is result-extras.ts's). */
const PER_IMAGE = [...IMAGE_ACTIONS, 'final'] as const satisfies readonly ButtonAction[];
export type ImageAction = (typeof PER_IMAGE)[number];

export const imageActionTexts = defineMessages('image-actions', {
  en: {
    reroll: (n: number) => `Reroll ${n}`,
    remix: (n: number) => `Remix ${n}`,
    'use-ref': (n: number) => `Use ${n} as reference`,
    refTitle: (n: number) => `Use image ${n} as reference`,
    refPrompt: 'What to make with this image',
  },
  'zh-Hans': {
    reroll: (n: number) => `重新生成 ${n}`,
    remix: (n: number) => `改编 ${n}`,
    'use-ref': (n: number) => `以 ${n} 为参考`,
    refTitle: (n: number) => `以第 ${n} 张图为参考`,
    refPrompt: '想用这张图做什么',
  },
  'zh-Hant': {
    reroll: (n: number) => `重新產生 ${n}`,
    remix: (n: number) => `改編 ${n}`,
    'use-ref': (n: number) => `以 ${n} 為參考`,
    refTitle: (n: number) => `以第 ${n} 張圖為參考`,
    refPrompt: '想用這張圖做什麼',
  },
});

/** The per-image buttons of a result whose images are the tasks `indexes` (none for a single image). */
export function imageButtons(jobId: string, indexes: readonly number[], locale: Locale): Button[] {
  if (indexes.length < 2) return [];
  const say = imageActionTexts(locale);
  return IMAGE_ACTIONS.flatMap((action) =>
    indexes.map((index) => ({
      action,
      jobId,
      index,
      label: say[action](index + 1),
      style: 'secondary' as const,
    })),
  );
}

/** Whether `action` is offered per image (a forged `@index` on any other is refused). */
export function isImageAction(action: ButtonAction): action is ImageAction {
  return (PER_IMAGE as readonly string[]).includes(action);
}

/** The index checked against the job: an image it never had answers like a job that does not exist. */
export function imageOf(job: JobView, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= job.request.count)
    throw new FluxError('JOB_NOT_FOUND', `job ${job.id} has no image ${index}`);
  return index;
}

/** `<jobId>@<index>` (a per-image form's id) → its parts; a plain job id has no index. */
export function splitImage(id: string): { jobId: string; index?: number } {
  const m = /^(.+)@(\d{1,2})$/.exec(id);
  return m ? { jobId: m[1] as string, index: Number(m[2]) } : { jobId: id };
}

/** What the forms of one image carry in their id. */
export const withImage = (jobId: string, index?: number): string =>
  index === undefined ? jobId : `${jobId}@${index}`;

/**
 * The posted result link of task `index`: the result's links are in the order its images were posted
 * (`resultImages` says which task each was; older records, from before it, list every task in order).
 */
export function resultUrlOf(job: JobView, index: number): string | undefined {
  const urls = Array.isArray(job.delivery.resultUrls) ? (job.delivery.resultUrls as string[]) : [];
  const order = job.delivery.resultImages;
  const at = Array.isArray(order) ? order.indexOf(index) : index;
  return at < 0 ? undefined : urls[at];
}
