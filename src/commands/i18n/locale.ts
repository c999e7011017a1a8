/**
 * The languages members read flux-bot in. A platform says what a member uses (Discord's interaction
 * `locale`, Slack's `users.info` with `include_locale`) as a BCP 47 tag; a server or workspace may set
 * a default (`/flux-admin language`) for members whose platform locale is none of ours.
 */
export const LOCALES = ['en', 'zh-Hans', 'zh-Hant'] as const;
export type Locale = (typeof LOCALES)[number];

/** The tag Intl formats numbers, money and dates with, per locale. */
export const INTL_TAG: Record<Locale, string> = { en: 'en-US', 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW' };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/**
 * One of ours for a platform tag, or undefined: `zh-CN`/`zh-SG`/`zh-Hans-*` read simplified Chinese,
 * `zh-TW`/`zh-HK`/`zh-MO`/`zh-Hant-*` traditional, any `en-*` English. Case and `_` are forgiven.
 */
export function localeOf(tag: string | undefined): Locale | undefined {
  if (!tag) return undefined;
  const t = tag.trim().replace(/_/g, '-').toLowerCase();
  if (t === 'zh' || t.startsWith('zh-hans') || t === 'zh-cn' || t === 'zh-sg') return 'zh-Hans';
  if (t.startsWith('zh-hant') || t === 'zh-tw' || t === 'zh-hk' || t === 'zh-mo') return 'zh-Hant';
  if (t === 'en' || t.startsWith('en-')) return 'en';
  return undefined;
}

/** The member's own language when it is one of ours, else the server's default, else English. */
export function pickLocale(memberTag: string | undefined, serverDefault?: Locale): Locale {
  return localeOf(memberTag) ?? serverDefault ?? 'en';
}

/** A job's language: the requester's, chosen when it was asked for and stored with its origin. */
export function jobLocale(job: { origin: { locale?: string } }): Locale {
  return isLocale(job.origin.locale) ? job.origin.locale : 'en';
}
