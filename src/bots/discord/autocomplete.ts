/** Discord autocomplete: the command's choices for the focused option, in the member's language. */
import type { Commands } from '../../commands/commands.ts';
import type { RawInteraction } from './payload.ts';

/** Choices for the focused option, given the model already picked; named in the member's language if Discord said one. */
export function autocompleteChoices(
  raw: RawInteraction,
  commands: Commands,
): Array<{ name: string; value: string }> {
  const options = raw.data?.options ?? [];
  const focused = options.find((o) => o.focused);
  if (!focused) return [];
  const model = options.find((o) => o.name === 'model')?.value;
  const typed = { model: model === undefined ? undefined : String(model) };
  const language: [] | [string] = raw.locale ? [raw.locale] : [];
  return commands.autocomplete(
    raw.data?.name ?? '',
    focused.name,
    String(focused.value ?? ''),
    typed,
    ...language,
  );
}
