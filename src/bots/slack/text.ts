/**
 * Slash command text as the member typed it. Slack escapes `&`, `<` and `>` as HTML entities and wraps
 * links, mentions and channels in `<…>` markup; the shared parser wants plain text, so a prompt reads
 * "cats & dogs" (not "cats &amp; dogs") and a `--ref` link keeps its `&` query parameters.
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
