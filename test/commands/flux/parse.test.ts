import { describe, expect, it } from 'vitest';
import { knownFlags, parseFluxText } from '../../../src/commands/flux/parse.ts';
import { helpText } from '../../../src/commands/flux/run.ts';
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

  it('collects repeated --ref values and unwraps Slack links', () => {
    const { refs } = parseFluxText(
      'make it blue --ref <https://files.slack.com/a.png|a.png> --ref https://example.com/b.jpg',
    );
    expect(refs).toEqual(['https://files.slack.com/a.png', 'https://example.com/b.jpg']);
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

  it('refuses a value on --no-upsample', () => {
    expect(fails('a fox --no-upsample=yes').option).toBe('--no-upsample');
  });

  it('knows every flag the definition has', () => {
    expect(knownFlags()).toHaveLength(11);
  });

  it('has help text that shows every flag', () => {
    for (const flag of knownFlags().filter((f) => f !== '--upsample')) expect(helpText()).toContain(flag);
  });
});
