/**
 * The Delete button: "Deleted" only once the platform confirmed every deletion; otherwise the member
 * hears what failed (and can press again: what was deleted is not tried twice). The card then says who
 * deleted it, instead of pointing at an empty thread.
 */
import type { JobsService, JobView, Platform } from '../../core/job-types.ts';
import type { Logger } from '../../core/logger.ts';
import type { ModelCatalog } from '../../core/models.ts';
import type { SettingsStore } from '../admin.ts';
import { codeSpan } from '../code-span.ts';
import type { CommandContext } from '../context.ts';
import { jobLocale } from '../i18n/locale.ts';
import { memberLocale } from '../member-locale.ts';
import { deleteTexts } from './delete-texts.ts';
import { flowTexts } from './flow-texts.ts';
import { finalCard } from './messages.ts';

/** The platforms by their own names, the same in every language. */
const PLATFORM = { discord: 'Discord', slack: 'Slack', cli: 'CLI' } as const satisfies Record<
  Platform,
  string
>;

export interface DeleteDeps {
  jobs: Pick<JobsService, 'updateDelivery'>;
  catalog: ModelCatalog;
  logger: Logger;
  /** Where the presser's server default language is read. */
  settings?: SettingsStore;
  now?: () => number;
}

export async function deleteResult(
  ctx: CommandContext,
  target: CommandContext | undefined,
  job: JobView,
  deps: DeleteDeps,
): Promise<void> {
  const locale = deps.settings ? await memberLocale(ctx, deps.settings) : 'en';
  const said = flowTexts(locale);
  if (!target) {
    await ctx.replyPrivate(said.deleteNoPlace);
    return;
  }
  const { failures } = await target.removeResult();
  // What is gone stays gone after a restart; what is left is tried again on the next press.
  await deps.jobs.updateDelivery(job.id, target.delivery());
  if (failures.length) {
    const say = deleteTexts(locale);
    const words = failures.map((f) => {
      const part = say[f.part];
      const platform = PLATFORM[target.platform];
      if (f.unlisted) return say.unlisted(part, platform);
      return f.said === undefined
        ? say.noAnswer(part, platform)
        : say.refused(part, platform, codeSpan(f.said));
    });
    await ctx.replyPrivate(said.deleteFailed(words.join(say.separator)));
    return;
  }
  const now = (deps.now ?? Date.now)();
  const card = flowTexts(jobLocale(job));
  await target
    .showCard(finalCard(job, deps.catalog, card.deletedStatus, now, card.deletedBy(ctx.actor.name)))
    .catch((err: unknown) => deps.logger.warn({ err, jobId: job.id }, 'card not marked deleted'));
  await ctx.replyPrivate(said.deleted);
}
