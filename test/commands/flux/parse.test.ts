import { describe, expect, it } from 'vitest';
import { helpText } from '../../../src/commands/flux/help.ts';
import { knownFlags, parseFluxArgs, parseFluxText } from '../../../src/commands/flux/parse.ts';
import { ValidationError } from '../../../src/core/errors.ts';

function fails(text: string): ValidationError {
  try {
    parseFluxText(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error(`expected "${text}" to fail`);
}

describe('parseFluxText', () => {
  it('reads a prompt followed by flags', () => {
    const { input, refs } = parseFluxText(
      'a red fox in the snow --model max --size 16:9 --seed 42 --count 2 --safety 3 --format png --no-upsample',
    );
    expect(input).toEqual({
      prompt: 'a red fox in the snow',
      model: 'max',
      size: '16:9',
      seed: '42',
      count: '2',
      safety: '3',
      format: 'png',
      upsample: false,
    });
    expect(refs).toEqual([]);
  });

  it('takes flags anywhere and --flag=value', () => {
    const { input } = parseFluxText('--model=flex a fox --steps=30 at dusk --guidance 4');
    expect(input).toEqual({ prompt: 'a fox at dusk', model: 'flex', steps: '30', guidance: '4' });
  });

  it('keeps quoted prompts whole, with straight and typographic quotes', () => {
    expect(parseFluxText('"a fox --model max" --seed 1').input).toEqual({
      prompt: 'a fox --model max',
      seed: '1',
    });
    expect(parseFluxText('“a fox, at night” --count 2').input).toEqual({
      prompt: 'a fox, at night',
      count: '2',
    });
    expect(parseFluxText("the fox's den --seed 3").input).toEqual({ prompt: "the fox's den", seed: '3' });
  });

  it('reads flags whose dashes a phone or Slack turned into an em dash', () => {
    expect(parseFluxText('a fox —model max –seed 7').input).toEqual({
      prompt: 'a fox',
      model: 'max',
      seed: '7',
    });
  });

  it('collects repeated --ref values in order', () => {
    const { refs } = parseFluxText(
      'make it blue --ref https://files.slack.com/a.png --ref https://example.com/b.jpg',
    );
    expect(refs).toEqual(['https://files.slack.com/a.png', 'https://example.com/b.jpg']);
  });

  it('leaves platform markup to the adapter: a Slack link is not unwrapped here', () => {
    // Slack's edge (bots/slack/text.ts) unwraps before the text gets here; the parser knows no platform.
    expect(parseFluxText('a fox --ref <https://x.example/a.png|a.png>').refs).toEqual([
      '<https://x.example/a.png|a.png>',
    ]);
  });

  it('names an unknown flag and lists the valid ones', () => {
    const err = fails('a fox --modle max');
    expect(err.code).toBe('UNKNOWN_OPTION');
    expect(err.got).toBe('--modle');
    for (const flag of [
      '--model',
      '--size',
      '--seed',
      '--count',
      '--steps',
      '--guidance',
      '--safety',
      '--format',
      '--no-upsample',
      '--ref',
    ]) {
      expect(err.allowed).toContain(flag);
    }
  });

  it('names a flag that is missing its value and what it takes', () => {
    const err = fails('a fox --model');
    expect(err.option).toBe('--model');
    expect(err.allowed).toContain('klein-4b');
    expect(fails('a fox --count --seed 4').allowed).toContain('from 1 to 4');
  });

  it('refuses every value flag left empty (--flag=, --flag "", a trailing --flag), naming it and what it takes', () => {
    const onOff = ['--no-upsample', '--upsample', '--draft', '--no-draft'];
    const valueFlags = knownFlags().filter((f) => !onOff.includes(f));
    expect(valueFlags).toHaveLength(9);
    for (const flag of valueFlags) {
      for (const text of [
        `a fox ${flag}=`,
        `a fox ${flag}= --count 2`,
        `a fox ${flag} ""`,
        `a fox ${flag} " "`,
        `a fox ${flag}`,
      ]) {
        const err = fails(text);
        expect(err.code, text).toBe('INVALID_OPTION');
        expect(err.option, text).toBe(flag);
        expect(err.got, text).toBe('nothing');
        expect(err.allowed.length, text).toBeGreaterThan(0);
      }
    }
    expect(fails('a fox --seed=').allowed).toBe('a whole number from 0 to 4294967295');
    expect(fails('a fox --count=').allowed).toBe('a whole number from 1 to 4');
    expect(fails('a fox --ref=').allowed).toBe('a link to an image');
  });

  it('refuses the same empty values from a shell’s argv', () => {
    for (const args of [
      ['a fox', '--seed='],
      ['a fox', '--seed', ''],
      ['a fox', '--seed'],
      ['--count=', 'a fox'],
    ]) {
      const err = (() => {
        try {
          parseFluxArgs(args);
        } catch (e) {
          return e as ValidationError;
        }
        throw new Error(`expected ${JSON.stringify(args)} to fail`);
      })();
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.option).toBe(args.find((a) => a.startsWith('--'))?.replace('=', ''));
      expect(err.got).toBe('nothing');
    }
    expect(parseFluxArgs(['a fox', '--seed', '0']).input.seed).toBe('0');
  });

  it('refuses a value on --no-upsample', () => {
    expect(fails('a fox --no-upsample=yes').option).toBe('--no-upsample');
  });

  it('knows every flag the definition has', () => {
    expect(knownFlags()).toHaveLength(13);
  });

  it('has help text that shows every flag', () => {
    // An on/off option's help shows the flag that changes its default.
    for (const flag of knownFlags().filter((f) => f !== '--upsample' && f !== '--no-draft'))
      expect(helpText()).toContain(flag);
  });
});
