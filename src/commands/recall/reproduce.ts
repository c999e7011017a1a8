/**
 * The command that makes a job again, in the syntax of the platform it is pasted into: every option
 * written out (the server's defaults may change; the job must not) and the seed. References cannot
 * travel in a command: the caller says so.
 */
import type { Platform } from '../../core/job-types.ts';
import type { GenerationRequest } from '../../core/request.ts';

/** What the option carries, in FLUX_OPTIONS order; flex's and upsampling only where the model takes them. */
function options(r: GenerationRequest): Array<[string, string | number | boolean]> {
  const out: Array<[string, string | number | boolean]> = [
    ['model', r.model],
    ['size', `${r.width}x${r.height}`],
    ['seed', r.seed],
    ['count', r.count],
  ];
  if (r.steps !== undefined) out.push(['steps', r.steps]);
  if (r.guidance !== undefined) out.push(['guidance', r.guidance]);
  out.push(['safety', r.safety], ['format', r.format]);
  if (r.model !== 'klein-4b' && r.model !== 'klein-9b') out.push(['upsample', r.upsample]);
  return out;
}

/** Words the Slack command reads as its own (`/flux usage …`) when they open the text. */
const SUBCOMMAND = /^(help|usage|admin|show|history)(\s|$)/i;
/** Quote pairs, each with every character the grammar (parse.ts) takes as its close. */
const QUOTES: ReadonlyArray<{ open: string; close: string; closers: string }> = [
  { open: '"', close: '"', closers: '"”' },
  { open: '“', close: '”', closers: '"”' },
  { open: '«', close: '»', closers: '»' },
];

/** The prompt as the text grammar reads it back whole: quoted when a word of it would read as a flag. */
function slackPrompt(prompt: string): string {
  const risky = /(^|\s)(--|[—–][a-z])/i.test(prompt) || SUBCOMMAND.test(prompt) || /^["“„«'‘]/.test(prompt);
  if (!risky) return prompt;
  const pair = QUOTES.find((q) => ![...q.closers].some((c) => prompt.includes(c)));
  return pair ? `${pair.open}${prompt}${pair.close}` : prompt;
}

export function reproduceCommand(request: GenerationRequest, platform: Platform): string {
  if (platform === 'discord') {
    const typed = options(request).map(
      ([k, v]) => `${k}:${typeof v === 'boolean' ? (v ? 'True' : 'False') : v}`,
    );
    return ['/flux', `prompt:${request.prompt}`, ...typed].join(' ');
  }
  const flags = options(request).map(([k, v]) =>
    typeof v === 'boolean' ? (v ? `--${k}` : `--no-${k}`) : `--${k} ${v}`,
  );
  return ['/flux', slackPrompt(request.prompt), ...flags].join(' ');
}
