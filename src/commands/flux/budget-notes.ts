/**
 * The business rule behind a result's budget notes: a delivered image tells its requester when they or
 * the channel have used most of a budget, so the limit is no surprise. Workspace budgets stay quiet here
 * (they are the admins' to watch, in /flux-usage).
 */
import type { JobView } from '../../core/job-types.ts';
import { budgetStatesAsync } from '../../core/store/async-budgets.ts';
import { jobLocale } from '../i18n/locale.ts';
import { budgetWarnings, type UsageStore } from '../usage.ts';

export async function budgetNotes(store: UsageStore, job: JobView, now: number): Promise<string[]> {
  const { platform, workspaceId } = job.origin;
  const settings = workspaceId ? await store.getSettings(platform, workspaceId) : undefined;
  return settings
    ? budgetWarnings(await budgetStatesAsync(settings, job.origin, store, now), now, jobLocale(job))
    : [];
}
