/**
 * Whether a prompt says anything at all. It must keep something once whitespace, control characters
 * (Cc) and invisible characters are removed: format characters (Cf: zero-width space and joiners, bidi
 * marks and overrides, word joiner, BOM, tags…), the other default-ignorable code points (variation
 * selectors, Hangul fillers) and the blank braille cell.
 *
 * Only emptiness is decided on the stripped text. A prompt with real content is sent as written (only
 * trimmed of whitespace): stripping Cf would break an emoji's ZWJ sequence, a flag's tag characters or
 * the direction marks of a mixed Arabic/English prompt, and the model reads them fine.
 */
const INVISIBLE = /[\s\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu;

export function hasVisibleText(text: string): boolean {
  return text.replace(INVISIBLE, '') !== '';
}
