/**
 * What every result carries besides its images and settings: its short job id (for `/flux show`), and
 * on a draft the Final button with both costs — the draft's actual (its Cost field) and the final's
 * estimate (a field of its own and the button). A draft of several images also gets a row of Final 1 … 4,
 * each rendering that image alone at its own estimate; a one-image draft keeps the single Final.
 */
import type { JobView } from '../../core/job-types.ts';
import type { ModelCatalog } from '../../core/models.ts';
import type { Button, ResultPost } from '../context.ts';
import { formatMoney } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import { shortId } from '../recall/short-id.ts';
import { recallTexts } from '../recall/texts.ts';
import { draftOf, type FinalPlan } from './draft.ts';
import { draftTexts } from './draft-texts.ts';

export function withRecall(
  post: ResultPost,
  job: JobView,
  catalog: ModelCatalog,
  locale: Locale,
  /** The tasks the result's images are, in order (some may not have come). */
  images: readonly number[] = [],
): ResultPost {
  const fields = [
    ...post.fields,
    { label: recallTexts(locale).jobField, value: shortId(job.id), code: true },
  ];
  const plan = draftOf(job);
  if (!plan) return { ...post, fields };
  const t = draftTexts(locale);
  const finalCost = formatMoney(plan.estimateMicros, locale);
  const finalModel = catalog[plan.model].label;
  return {
    ...post,
    fields: [...fields, { label: t.finalField, value: t.finalValue(finalModel, finalCost) }],
    buttons: [
      { action: 'final', jobId: job.id, label: t.finalButton(finalModel, finalCost), style: 'primary' },
      ...post.buttons,
      ...finalPerImage(job, plan, images, locale),
    ],
  };
}

/** Final 1 … 4 of a draft of several images: one image at the final's price of one (estimates are per task). */
function finalPerImage(job: JobView, plan: FinalPlan, images: readonly number[], locale: Locale): Button[] {
  if (images.length < 2) return [];
  const t = draftTexts(locale);
  const each = formatMoney(Math.ceil(plan.estimateMicros / Math.max(1, job.request.count)), locale);
  return images.map((index) => ({
    action: 'final',
    jobId: job.id,
    index,
    label: t.finalImageButton(index + 1, each),
    style: 'primary',
  }));
}
