/**
 * The language a member is answered in privately: their platform's, when it is one the bot speaks,
 * else their server's or workspace's default (`/flux-admin language`), else English.
 */
import type { WorkspaceSettings } from '../core/budgets.ts';
import { type SettingsStore, settingsFor } from './admin.ts';
import type { CommandContext } from './context.ts';
import { type Locale, localeOf, pickLocale } from './i18n/locale.ts';

export async function memberLocale(
  ctx: Pick<CommandContext, 'platform' | 'workspaceId' | 'actor'>,
  store: SettingsStore,
): Promise<Locale> {
  const own = localeOf(ctx.actor.locale);
  if (own) return own;
  let settings: WorkspaceSettings | undefined;
  try {
    settings = await settingsFor(store, ctx);
  } catch {
    // The store being down must not cost the member their answer: it comes in English.
  }
  return localeWith(ctx, settings);
}

/** The same, with the workspace's settings already read (a command that reads them anyway). */
export function localeWith(ctx: Pick<CommandContext, 'actor'>, settings?: WorkspaceSettings): Locale {
  return pickLocale(ctx.actor.locale, localeOf(settings?.language));
}
