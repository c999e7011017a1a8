/**
 * Numbers, money and dates for a locale, through Intl. Money is USD everywhere (the provider bills in
 * USD): two decimals from $0.10 up; below that three significant digits, so a $0.0015 image never reads
 * $0.00 — only exactly zero does.
 */
import { MICROS_PER_USD, type Micros } from '../../core/pricing.ts';
import { INTL_TAG, type Locale } from './locale.ts';

/**
 * Formatters made once per locale and shape: building an Intl.NumberFormat costs far more than using
 * one, and every card edit formats money and numbers (12–18% of a busy bot's CPU before this cache).
 */
const formatters = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: Locale, shape: string, options: () => Intl.NumberFormatOptions) {
  const key = `${locale}|${shape}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(INTL_TAG[locale], options());
    formatters.set(key, f);
  }
  return f;
}

export function formatMoney(micros: Micros, locale: Locale): string {
  const usd = micros / MICROS_PER_USD;
  // Judged after rounding: $0.09999 is $0.10 (two decimals), not "$0.1".
  const small = usd !== 0 && Math.abs(Number(usd.toPrecision(3))) < 0.1;
  return numberFormat(locale, small ? 'usd-small' : 'usd', () => ({
    style: 'currency',
    currency: 'USD',
    currencyDisplay: locale === 'en' ? 'narrowSymbol' : 'symbol',
    ...(small
      ? { maximumSignificantDigits: 3, minimumFractionDigits: 2 }
      : { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  })).format(usd);
}

export function formatNumber(value: number, locale: Locale, fractionDigits = 0): string {
  return numberFormat(locale, `n${fractionDigits}`, () => ({
    minimumFractionDigits: fractionDigits,
    maximumFractionDigits: fractionDigits,
  })).format(value);
}

/** A UTC date and time (budgets reset in UTC), e.g. "Dec 6, 06:00 UTC" / "12月6日 06:00 UTC". */
export function formatUtc(ms: number, locale: Locale): string {
  const parts = new Intl.DateTimeFormat(INTL_TAG[locale], {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
  }).format(ms);
  return `${parts} UTC`;
}

/** A UTC calendar day (`YYYY-MM-DD`) as people read it, e.g. "Dec 6" / "12月6日". */
export function formatDay(day: string, locale: Locale): string {
  return new Intl.DateTimeFormat(INTL_TAG[locale], {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${day}T00:00:00Z`));
}
