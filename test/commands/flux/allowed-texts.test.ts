/**
 * A refusal in Chinese says what is allowed in Chinese too: the core's English phrasings (ValidationError
 * .allowed) are each matched, driven through the real parser and validation, not listed by hand.
 */
import { describe, expect, it } from 'vitest';
import { allowedIn } from '../../../src/commands/flux/allowed-texts.ts';
import { errorText } from '../../../src/commands/flux/error-text.ts';
import { parseFluxText } from '../../../src/commands/flux/parse.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import { validateRequest } from '../../../src/core/request.ts';
import { catalog } from '../../support/core.ts';

function refusal(text: string): ValidationError {
  try {
    const parsed = parseFluxText(text);
    validateRequest(parsed.input, catalog, {});
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error(`accepted: ${text}`);
}

const BAD = [
  'a fox --count 9',
  'a fox --guidance 99 --model flex',
  'a fox --safety x',
  'a fox --steps 20',
  'a fox --format gif',
  'a fox --size huge',
  'a fox --model klein-4b --upsample on',
  'a fox --seed',
  '--model pro',
];

describe('what is allowed, in every language', () => {
  it('translates every phrasing validation uses, and leaves ids as typed', () => {
    for (const text of BAD) {
      const err = refusal(text);
      for (const locale of ['zh-Hans', 'zh-Hant'] as const) {
        const said = allowedIn(err.allowed, locale);
        expect({
          text,
          locale,
          said,
          english: /\b(from|number|with|only|multiples|or an|link)\b/.test(said),
        }).toEqual({ text, locale, said, english: false });
        expect(errorText(err, locale)).toContain(said);
      }
      expect(allowedIn(err.allowed, 'en')).toBe(err.allowed);
    }
    expect(allowedIn('pro, max, flex', 'zh-Hans')).toBe('pro, max, flex');
  });
});
