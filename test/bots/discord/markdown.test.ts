import { escapeMarkdown as discordJsEscape } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { escapeMarkdown } from '../../../src/bots/discord/markdown.ts';
import { HOSTILE_LINES, HOSTILE_PROMPT, liveMarkup } from '../../support/discord.ts';

/** What Discord shows for escaped text: each backslash-escaped punctuation character as itself. */
const shown = (text: string) => text.replace(/\\([!-/:-@[-`{-~])/g, '$1');

describe('user text in Discord markdown', () => {
  it('is live markup unescaped, in every construct the hostile prompts carry', () => {
    // The checker itself must see what Discord would render, or the tests that rely on it prove nothing.
    expect(liveMarkup(HOSTILE_PROMPT)).toEqual(
      expect.arrayContaining([
        'masked link',
        'bare link',
        'user mention',
        'role mention',
        'channel mention',
        'timestamp',
        'bold',
        'italic',
        'underline',
        'strikethrough',
        'spoiler',
        'inline code',
      ]),
    );
    expect(liveMarkup(HOSTILE_LINES)).toEqual(
      expect.arrayContaining([
        'heading',
        'subtext',
        'bulleted list',
        'numbered list',
        'quote',
        'masked link',
      ]),
    );
  });

  it('keeps no construct live once escaped, and shows exactly what was typed', () => {
    for (const text of [HOSTILE_PROMPT, HOSTILE_LINES, '  1. indented\n10. ten\n  - dash', 'a\\*b\\'])
      expect({ text, live: liveMarkup(escapeMarkdown(text)), shown: shown(escapeMarkdown(text)) }).toEqual({
        text,
        live: [],
        shown: text,
      });
  });

  it('escapes every masked link of a line, where discord.js leaves the second one live', () => {
    const two = '[a](http://evil.example) [second](http://evil.example/2)';
    expect(liveMarkup(discordJsEscape(two, { maskedLink: true }))).toContain('masked link');
    expect(liveMarkup(escapeMarkdown(two))).toEqual([]);
  });

  it('leaves ordinary prompts readable: numbers, sizes and sentences keep their look', () => {
    const prompt = 'a red fox in the snow, 1.5 stops over, 16:9 (wide)';
    expect(shown(escapeMarkdown(prompt))).toBe(prompt);
    expect(escapeMarkdown('a red fox in the snow')).toBe('a red fox in the snow');
  });

  it('clips to the limit without splitting an escape or a surrogate pair', () => {
    const text = `${'*_'.repeat(40)}🦊${'[x]'.repeat(40)}`;
    for (let max = 2; max < 200; max++) {
      const out = escapeMarkdown(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      if (out.endsWith('…')) {
        const body = out.slice(0, -1);
        // An odd run of trailing backslashes would escape the ellipsis, and half a pair shows as garbage.
        expect((/\\*$/.exec(body)?.[0].length ?? 0) % 2).toBe(0);
        expect(/[\uD800-\uDBFF]$/.test(body)).toBe(false);
        expect(text.startsWith(shown(body))).toBe(true);
      }
    }
  });
});
