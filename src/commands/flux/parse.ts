/**
 * The text grammar of /flux shared by Slack and the CLI:
 *   <prompt> [--model max] [--size 1536x1024|16:9] [--seed 42] [--count 2] [--steps 30] [--guidance 4]
 *   [--safety 2] [--format png] [--no-upsample] [--ref <url>]…
 * Quoted prompts work with straight and typographic quotes; `—model` (a dash autocorrected by Slack or a
 * phone) reads as `--model`. Platform markup (Slack's `<https://x|label>` links) is the adapter's to undo
 * before the text gets here.
 */
import { ValidationError } from '../../core/errors.ts';
import { FLUX_OPTIONS, type FluxInput, type OptionDef, REF_FLAG } from './definition.ts';

export interface ParsedText {
  input: FluxInput;
  /** `--ref` values, in order: URLs (Slack file links or public images) or, on the CLI, file paths. */
  refs: string[];
}

const VALUE_FLAGS = new Map<string, OptionDef>(
  FLUX_OPTIONS.filter((o) => o.flag && o.kind !== 'boolean').map((o) => [o.flag as string, o]),
);

/** On/off options: `--<name>` turns one on, `--no-<name>` off. */
const BOOLEAN_FLAGS = new Map<string, { name: OptionDef['name']; value: boolean }>(
  FLUX_OPTIONS.filter((o) => o.flag && o.kind === 'boolean').flatMap((o) => [
    [`--${o.name}`, { name: o.name, value: true }],
    [`--no-${o.name}`, { name: o.name, value: false }],
  ]),
);

/** Every flag the grammar knows, for error messages and help. */
export function knownFlags(): string[] {
  return [...VALUE_FLAGS.keys(), ...BOOLEAN_FLAGS.keys(), REF_FLAG];
}

export function parseFluxText(text: string): ParsedText {
  return parseTokens(tokenize(text));
}

/** The same grammar from a shell's argv: the shell already split and unquoted the words. */
export function parseFluxArgs(args: readonly string[]): ParsedText {
  return parseTokens(args.map((text) => ({ text, quoted: !text.startsWith('--') })));
}

function parseTokens(tokens: Token[]): ParsedText {
  const input: FluxInput = {};
  const refs: string[] = [];
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.quoted || !token.text.startsWith('--') || token.text === '--') {
      words.push(token.text);
      continue;
    }
    const eq = token.text.indexOf('=');
    const flag = (eq > 0 ? token.text.slice(0, eq) : token.text).toLowerCase();
    const inline = eq > 0 ? token.text.slice(eq + 1) : undefined;
    const onOff = BOOLEAN_FLAGS.get(flag);
    if (onOff) {
      if (inline !== undefined)
        throw new ValidationError('INVALID_OPTION', flag, 'no value: write it alone', inline);
      (input as Record<string, unknown>)[onOff.name] = onOff.value;
      continue;
    }
    const def = VALUE_FLAGS.get(flag);
    if (!def && flag !== REF_FLAG) {
      throw new ValidationError('UNKNOWN_OPTION', flag, knownFlags().join(' '), flag);
    }
    let value = inline;
    const next = tokens[i + 1];
    if (value === undefined && next && (next.quoted || !next.text.startsWith('--'))) {
      value = next.text;
      i++;
    }
    // `--seed=`, `--seed ""` and a trailing `--seed` are all mistakes: never a silent default that spends.
    if (value === undefined || !value.trim()) {
      throw new ValidationError(
        'INVALID_OPTION',
        flag,
        def ? describeValue(def) : 'a link to an image',
        'nothing',
      );
    }
    if (flag === REF_FLAG) refs.push(value.trim());
    else assign(input, def as OptionDef, value);
  }
  const prompt = words.join(' ').trim();
  if (prompt) input.prompt = prompt;
  return { input, refs };
}

type TextKey = 'model' | 'size' | 'format' | 'seed' | 'count' | 'steps' | 'guidance' | 'safety';

function assign(input: FluxInput, def: OptionDef, value: string): void {
  // Values stay strings here: validateRequest owns the ranges, so every front end reports them alike.
  input[def.name as TextKey] = value;
}

export function describeValue(def: OptionDef): string {
  if (def.choices) return def.choices.join(', ');
  if (def.min !== undefined && def.max !== undefined)
    return `${def.kind === 'integer' ? 'a whole number' : 'a number'} from ${def.min} to ${def.max}`;
  return def.example ? `a value such as ${def.example}` : 'a value';
}

interface Token {
  text: string;
  quoted: boolean;
}

const OPEN_QUOTES: Record<string, string> = { '"': '"', '“': '”', '„': '“', '«': '»', "'": "'", '‘': '’' };

function tokenize(raw: string): Token[] {
  // Phones and Slack turn `--` into an em or en dash; a dash at a word start followed by a letter is a flag.
  const text = raw.replace(/(^|\s)[—–](?=[a-z])/gi, '$1--');
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const close = OPEN_QUOTES[ch];
    // An apostrophe inside a word ("fox's") is not a quote; only a quote that opens a token is.
    if (close && (ch !== "'" || text.indexOf("'", i + 1) > i)) {
      const end = findClose(text, i + 1, close, ch);
      if (end > i) {
        tokens.push({ text: text.slice(i + 1, end), quoted: true });
        i = end + 1;
        continue;
      }
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j] as string)) j++;
    tokens.push({ text: text.slice(i, j), quoted: false });
    i = j;
  }
  return tokens;
}

function findClose(text: string, from: number, close: string, open: string): number {
  for (let k = from; k < text.length; k++) {
    const c = text[k];
    if (c === close || (open === '“' && c === '"') || (open === '"' && c === '”')) return k;
  }
  return -1;
}
