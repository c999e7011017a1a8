import { mrkdwn } from './blocks.ts';

/**
 * Slash command text as the member typed it. Slack escapes `&`, `<` and `>` as HTML entities and wraps
 * links, mentions and channels in `<…>` markup; the shared parser wants plain text, so a prompt reads
 * "cats & dogs" (not "cats &amp; dogs") and a `--ref` link keeps its `&` query parameters. The result
 * is for the model and the parser only: a typed `&lt;!channel&gt;` becomes `<!channel>` here, so anything
 * that shows it again in Slack escapes it (blocks.ts `mrkdwn`).
 */
export function plainSlackText(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_, inner: string) => {
      const [target = '', label] = inner.split('|', 2) as [string, string | undefined];
      if (/^(https?:\/\/|mailto:)/i.test(target)) return target.replace(/^mailto:/i, '');
      if (target.startsWith('@')) return label ? `@${label.replace(/^@/, '')}` : target;
      if (target.startsWith('#')) return label ? `#${label}` : target;
      if (target.startsWith('!')) return label ?? `@${target.slice(1).split('^')[0]}`;
      return label ?? target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Slack's link markup (`<https://x|label>`, `<https://x>`) as the plain address, and nothing else
 * changed: for text Slack did not escape (a form's fields) on its way to the shared parser.
 */
export function unwrapSlackLinks(text: string): string {
  return text.replace(/<(https?:\/\/[^>|]+)(?:\|[^>]*)?>/g, '$1');
}

/**
 * A private reply's text as Slack mrkdwn. The shared commands write it with member input inside code
 * spans (`` `--modle` ``), `**bold**` for their own headings, and their own `<@U…>`/`<#C…>` mentions
 * outside spans (usage, admin). So everything is escaped, `**bold**` becomes Slack's `*bold*`, and only a
 * bare user or channel id mention outside a code span is given back: never `<!channel>`, `<!here>`, a
 * subteam or a link, and never anything a member typed in a value.
 */
export function privateSlackText(text: string): string {
  return text
    .split(/(`[^`\n]*`)/)
    .map((part, i) => {
      const escaped = mrkdwn(part);
      if (i % 2) return escaped;
      return escaped
        .replace(/&lt;([@#][A-Z][A-Z0-9]{2,})&gt;/g, '<$1>')
        .replace(/\*\*([^*\n]+)\*\*/g, '*$1*');
    })
    .join('');
}
