/**
 * A value someone typed (an option, a file name, a provider's message quoting them), quoted in bot text.
 *
 * Both platforms show what sits inside a one-backtick code span literally: no link, no mention, no
 * emphasis. Private replies rely on that — Discord sends them as markdown unescaped, and Slack's
 * `privateSlackText` gives back bare `<@U…>` mentions found outside code spans. So the value must not be
 * able to leave its span: a backtick would close it early (everything after it becomes live markup) and
 * a line break ends Slack's span detection. Backticks become the look-alike `ˋ` (U+02CB) rather than
 * vanishing, so the member still recognises what they typed; line breaks become spaces.
 */
const LOOK_ALIKE = '\u02CB';
/** Long enough to recognise a value, short enough that a pasted essay does not become the reply. */
const MAX_CHARS = 100;

/** `value` as a code span that cannot be closed or broken from inside. */
export function codeSpan(value: string | number, max = MAX_CHARS): string {
  const flat = String(value)
    .replace(/`/g, LOOK_ALIKE)
    // Line and paragraph breaks, and other controls a span cannot hold.
    .replace(/[\p{Cc}\u2028\u2029]/gu, ' ');
  const chars = [...flat];
  const shown = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
  // Two backticks alone are not a span on either platform: they would show as typed.
  return `\`${shown || ' '}\``;
}
