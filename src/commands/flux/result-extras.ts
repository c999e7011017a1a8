/**
 * What every result carries besides its images and settings: its short job id (for `/flux show`), and
 * on a draft the Final button with both costs — the draft's actual (its Cost field) and the final's
 * estimate (a field of its own and the button).
 */
import type { JobView } from '../../core/job-types.ts';
import type { ModelCatalog } from '../../core/models.ts';
import type { ResultPost } from '../context.ts';
import { formatMoney } from '../i18n/format.ts';
import type { Locale } from '../i18n/locale.ts';
import { shortId } from '../recall/short-id.ts';
import { recallTexts } from '../recall/texts.ts';
import { draftOf } from './draft.ts';
import { draftTexts } from './draft-texts.ts';

export function withRecall(
  post: ResultPost,
  job: JobView,
  catalog: ModelCatalog,
  locale: Locale,
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
    ],
  };
}
