/**
 * User text shown where Discord renders markdown (message content, embed descriptions and fields) is
 * escaped so that nothing a member typed becomes markup in the bot's voice: no masked or bare links,
 * headings, `-#` subtext, lists, quotes, spoilers, code, mentions, timestamps or emoji.
 *
 * discord.js's escapeMarkdown is not enough here: by default it leaves links, headings and lists alone,
 * and even with every option its masked-link rule escapes only the first `[` of a line (so the second
 * link of `[a](x) [b](y)` stays live), and it knows nothing of `-#`, `>` quotes or `<@…>`/`<t:…>`.
 * Discord shows any backslash-escaped ASCII punctuation as the character itself, so escaping every
 * character that can open or close syntax is safe to over-apply and needs no grammar of our own.
 *
 * Plain-text places (embed author and footer, thread names, modal titles and values) are NOT escaped:
 * Discord shows them as typed, and a backslash there would be seen. Pings are stopped by
 * allowed_mentions (outgoing.ts), not here: an escaped `\<@id>` still renders as text but would ping.
 */

/** `\` escapes; `* _ ~ | \`` emphasis, spoilers, code; `[ ]` masked links; `#`, `-`, `>` headings, subtext,
 * lists, quotes; `<` mentions, channels, commands, timestamps, custom emoji; `:` bare `https://` links. */
const SYNTAX = new Set(['\\', '*', '_', '~', '|', '`', '[', ']', '#', '-', '>', '<', ':']);

/**
 * `text` with its syntax escaped, at most `max` characters long (clipped with `…`, never between a
 * backslash and the character it escapes, nor inside a surrogate pair).
 */
export function escapeMarkdown(text: string, max = Number.POSITIVE_INFINITY): string {
  const pieces = escapedPieces(text);
  const full = pieces.join('');
  if (full.length <= max) return full;
  let out = '';
  for (const piece of pieces) {
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** One piece per character of `text`: the character, or the character with its escape. */
function escapedPieces(text: string): string[] {
  const pieces: string[] = [];
  // `1. item` is a numbered list only at the start of a line: its dot is escaped there.
  let lineIsDigits = true;
  let digits = 0;
  for (const ch of text) {
    if (ch === '\n') {
      lineIsDigits = true;
      digits = 0;
      pieces.push(ch);
      continue;
    }
    const listDot = ch === '.' && lineIsDigits && digits > 0;
    pieces.push(SYNTAX.has(ch) || listDot ? `\\${ch}` : ch);
    if (ch >= '0' && ch <= '9') digits++;
    else if (!(ch === ' ' && digits === 0)) lineIsDigits = false;
  }
  return pieces;
}
