/**
 * Which field a result's field is, whatever language its label is in. A field without a key (an older
 * caller, a contract test) is known by its English label.
 */
import type { Field } from './context.ts';

export function isPrompt(f: Field): boolean {
  return f.key ? f.key === 'prompt' : f.label === 'Prompt';
}

export function isCost(f: Field): boolean {
  return f.key ? f.key === 'cost' : f.label === 'Cost';
}
