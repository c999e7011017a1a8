/**
 * `/flux help`, written from the option definition: a new option, a changed choice or limit shows up
 * here without anyone editing prose. Private-reply markup (`**bold**`, code spans): each platform renders it.
 */
import { FLUX_OPTIONS, type OptionDef, REF_FLAG } from './definition.ts';

/** One line per flag: an example value, what it does, and the choices where the description has none. */
function flagLine(o: OptionDef & { flag: string }): string {
  const usage = o.kind === 'boolean' || !o.example ? o.flag : `${o.flag} ${o.example}`;
  const choices = o.choices ? `: ${o.choices.join(', ')}` : '';
  return `• \`${usage}\` — ${o.description}${choices}`;
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

export function helpText(): string {
  return [
    '**/flux** makes an image with FLUX.2 and posts it in a thread with what it cost.',
    '`/flux <prompt> [options]`, where the options are:',
    ...FLUX_OPTIONS.filter(hasFlag).map(flagLine),
    `• \`${REF_FLAG} <image link>\` — Reference image; repeat for more`,
    'Examples:',
    '• `/flux a red fox in the snow, golden hour`',
    `• \`${exampleCommand()}\``,
    `• \`/flux make it watercolor ${REF_FLAG} https://example.com/photo.jpg\``,
    '`/flux` alone opens a form. Sizes are multiples of 16, at most 4 MP; an aspect ratio means about 1 MP.',
  ].join('\n');
}
