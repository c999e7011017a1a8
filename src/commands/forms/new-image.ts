/**
 * A new image from a form: `new` (Slack's `/flux` alone) and `edit` ("Edit with FLUX" on a message, whose
 * images the bot already resolved into `references`). `--ref` typed in the options is resolved like any.
 */
import type { FormCommand } from '../command.ts';
import { parseForm, typedRefs } from '../flux/forms.ts';
import { startJob } from '../flux/submit.ts';
import { checkInput } from './check.ts';

export const newFormCommand = {
  data: { kind: 'new' },
  execute: (ctx, { values, references }, env) =>
    startJob(ctx, env, { ...parseForm(values), references }, typedRefs(values)),
  check: (ctx, { values }, env) => checkInput(ctx, env, parseForm(values)),
} satisfies FormCommand;

export const editFormCommand = { ...newFormCommand, data: { kind: 'edit' } } satisfies FormCommand;
