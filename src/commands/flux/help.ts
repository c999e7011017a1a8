/**
 * `/flux help`, written from the option definition: a new option, a changed choice or limit shows up
 * here without anyone editing prose. Private-reply markup (`**bold**`, code spans): each platform renders it.
 */
import type { Locale } from '../i18n/locale.ts';
import { describeOption, FLUX_OPTIONS, type OptionDef, REF_FLAG } from './definition.ts';
import { helpTexts } from './help-texts.ts';

/** One line per flag: an example value, what it does, and the choices where the description has none. */
function flagLine(o: OptionDef & { flag: string }, locale: Locale): string {
  const usage = o.kind === 'boolean' || !o.example ? o.flag : `${o.flag} ${o.example}`;
  const choices = o.choices ? `: ${o.choices.join(', ')}` : '';
  return `• \`${usage}\` — ${describeOption(o, locale)}${choices}`;
}

const hasFlag = (o: OptionDef): o is OptionDef & { flag: string } => o.flag !== undefined;

/** A request that uses the examples of a few common options, so the line is one a member can copy. */
function exampleCommand(): string {
  const prompt = FLUX_OPTIONS.find((o) => o.name === 'prompt')?.example ?? 'a red fox';
  const flags = FLUX_OPTIONS.filter((o) => ['model', 'size', 'count'].includes(o.name) && o.flag && o.example)
    .map((o) => `${o.flag} ${o.example}`)
    .join(' ');
  return `/flux ${prompt} ${flags}`.trim();
}

export function helpText(locale: Locale = 'en'): string {
  const t = helpTexts(locale);
  return [
    t.intro,
    t.usage,
    ...FLUX_OPTIONS.filter(hasFlag).map((o) => flagLine(o, locale)),
    `• \`${REF_FLAG} ${t.imageLink}\` — ${t.ref}`,
    t.examples,
    `• \`/flux ${t.example1}\``,
    `• \`${exampleCommand()}\``,
    `• \`/flux ${t.example3} ${REF_FLAG} https://example.com/photo.jpg\``,
    t.outro,
  ].join('\n');
}
