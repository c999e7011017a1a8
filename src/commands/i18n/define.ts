/**
 * Message catalogs: every member-facing text exists in every locale, checked by the compiler (each
 * translation has the English catalog's keys and the same parameters) and by a test that walks every
 * catalog defined (test/commands/i18n.test.ts). A catalog lives beside the code that speaks it, so each
 * area owns its words; English is the source.
 */
import type { Locale } from './locale.ts';

/** A text, or a function of the values it shows (already formatted for the locale by the caller). */
export type Template = string | ((...args: never[]) => string);
export type Messages = Record<string, Template>;

/** The same keys and parameter lists as English; strings may differ freely. */
export type Translation<T extends Messages> = { [K in keyof T]: T[K] extends string ? string : T[K] };

export interface Catalog<T extends Messages> {
  readonly name: string;
  (locale: Locale): T;
  readonly all: Readonly<Record<Locale, T>>;
}

const catalogs = new Map<string, Catalog<Messages>>();

export function defineMessages<T extends Messages>(
  name: string,
  all: { en: T; 'zh-Hans': Translation<T>; 'zh-Hant': Translation<T> },
): Catalog<T> {
  const table = all as unknown as Record<Locale, T>;
  const catalog = Object.assign((locale: Locale) => table[locale] ?? table.en, { all: table });
  Object.defineProperty(catalog, 'name', { value: name });
  if (catalogs.has(name)) throw new Error(`message catalog "${name}" is defined twice`);
  catalogs.set(name, catalog as unknown as Catalog<Messages>);
  return catalog as unknown as Catalog<T>;
}

/** Every catalog defined so far (for the completeness test). */
export function definedCatalogs(): ReadonlyMap<string, Catalog<Messages>> {
  return catalogs;
}
