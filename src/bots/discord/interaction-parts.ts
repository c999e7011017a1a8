/** What an interaction is about, read from its payload: the job it names, a command's arguments. */
import type { CommandArgs } from '../../commands/command.ts';
import { FLUX_COMMAND } from './commands.ts';
import { optionsToInput, type RawInteraction } from './payload.ts';
import { parseButtonId } from './render.ts';

/** The job a button (`flux:<action>:<jobId>`) or a job's form (`flux:form:remix:<jobId>`) is about. */
export function jobOf(raw: RawInteraction): { jobId?: string } {
  const id = raw.data?.custom_id ?? '';
  const button = parseButtonId(id);
  if (button) return { jobId: button.jobId };
  const form = /^flux:form:(?:remix|ref):([^@]+)/.exec(id);
  return form?.[1] ? { jobId: form[1] } : {};
}

/** /flux takes its typed options; the others their one text option (`/flux-admin command`, `/flux-show id`). */
export function commandArgs(raw: RawInteraction): CommandArgs {
  if (raw.data?.name === FLUX_COMMAND) return { input: optionsToInput(raw) };
  const text = raw.data?.options?.find((o) => o.name === 'command' || o.name === 'id')?.value;
  return text === undefined ? {} : { text: String(text) };
}
