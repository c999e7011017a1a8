/**
 * Every member-facing text exists in every language: each catalog defined anywhere under src/commands
 * (and the bots' own texts) has the English keys in every locale, none empty, and templates that take
 * values give text in each. Chinese prompts pass through untouched (FLUX.2 reads them).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { definedCatalogs } from '../../src/commands/i18n/define.ts';
import { formatMoney, formatUtc } from '../../src/commands/i18n/format.ts';
import { LOCALES, localeOf, pickLocale } from '../../src/commands/i18n/locale.ts';

/** Loads every module under src/commands and src/bots, so every catalog is defined. */
async function loadAll(dir: string): Promise<void> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await loadAll(path);
    else if (entry.name.endsWith('.ts') && !/register\.ts$/.test(entry.name)) await import(path);
  }
}

describe('languages', () => {
  it('reads platform tags as one of ours, else falls back to the server default, else English', () => {
    expect(localeOf('zh-CN')).toBe('zh-Hans');
    expect(localeOf('zh_TW')).toBe('zh-Hant');
    expect(localeOf('zh-HK')).toBe('zh-Hant');
    expect(localeOf('en-GB')).toBe('en');
    expect(localeOf('fr')).toBeUndefined();
    expect(pickLocale('fr', 'zh-Hant')).toBe('zh-Hant');
    expect(pickLocale('zh-CN', 'en')).toBe('zh-Hans');
    expect(pickLocale(undefined)).toBe('en');
  });

  it('formats money the same way in every language, never $0.00 for a non-zero amount', () => {
    expect(formatMoney(45_000, 'en')).toBe('$0.045');
    expect(formatMoney(1_500, 'en')).toBe('$0.0015');
    expect(formatMoney(706_000, 'en')).toBe('$0.71');
    expect(formatMoney(0, 'en')).toBe('$0.00');
    expect(formatMoney(45_000, 'zh-Hans')).toBe('US$0.045');
    expect(formatUtc(Date.UTC(2026, 11, 6, 6, 0), 'zh-Hant')).toBe('12月6日 06:00 UTC');
  });

  it('has every message of every catalog in every language', async () => {
    await loadAll(join(import.meta.dirname, '../../src/commands'));
    await loadAll(join(import.meta.dirname, '../../src/bots'));
    const catalogs = definedCatalogs();
    expect(catalogs.size).toBeGreaterThan(0);
    for (const [name, catalog] of catalogs) {
      const english = Object.keys(catalog.all.en).sort();
      for (const locale of LOCALES) {
        const table = catalog.all[locale] as Record<string, unknown>;
        expect({ name, locale, keys: Object.keys(table).sort() }).toEqual({ name, locale, keys: english });
        for (const key of english) {
          const value = table[key];
          const text =
            typeof value === 'function'
              ? (value as (...a: unknown[]) => unknown)('x', 'x', 'x', 'x', 'x', 'x')
              : value;
          expect({ name, locale, key, ok: typeof text === 'string' && text.trim().length > 0 }).toEqual({
            name,
            locale,
            key,
            ok: true,
          });
        }
      }
    }
  });
});
