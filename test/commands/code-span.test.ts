import { describe, expect, it } from 'vitest';
import { codeSpan } from '../../src/commands/code-span.ts';
import { errorText } from '../../src/commands/flux/messages.ts';
import { ProviderError, ValidationError } from '../../src/core/errors.ts';

const HOSTILE = 'a` [click me](http://evil.example) <@U123> <@400000000000000002>\nb';

/** What lies outside one-backtick code spans, where both platforms render markup and mentions. */
function outsideSpans(text: string): string {
  return text.replace(/`[^`]*`/g, '');
}

describe('a typed value quoted in bot text', () => {
  it('cannot close its code span or break its line', () => {
    const span = codeSpan(HOSTILE);
    expect(span).toBe('`aˋ [click me](http://evil.example) <@U123> <@400000000000000002> b`');
    expect(outsideSpans(span)).toBe('');
  });

  it('is clipped to a readable length, never inside a surrogate pair', () => {
    expect(codeSpan('x'.repeat(500))).toBe(`\`${'x'.repeat(99)}…\``);
    expect(codeSpan('🦊'.repeat(20), 10)).toBe(`\`${'🦊'.repeat(9)}…\``);
  });

  it('shows an empty value as a blank span, not as two bare backticks', () => {
    expect(codeSpan('')).toBe('` `');
  });
});

describe('error answers', () => {
  const errors = [
    new ValidationError('INVALID_OPTION', 'size', 'WxH', HOSTILE),
    new ValidationError('UNKNOWN_OPTION', HOSTILE, '--model --size', HOSTILE),
    new ValidationError('MODEL_NOT_ALLOWED', 'model', 'pro', HOSTILE),
    new ValidationError('REFERENCE_INVALID', `reference 1 (${HOSTILE})`, 'an image', HOSTILE),
    new ProviderError('PROVIDER_REJECTED', 'rejected', { status: 422, detail: HOSTILE }),
  ];
  for (const err of errors) {
    it(`keep every echoed value inside a code span (${err.code})`, () => {
      const text = errorText(err);
      expect(text).toContain('[click me](http://evil.example)');
      const outside = outsideSpans(text);
      for (const live of ['[click me]', 'http://', '<@']) expect(outside, text).not.toContain(live);
    });
  }
});
