/**
 * A new image from a form: `new` (Slack's `/flux` alone) and `edit` ("Edit with FLUX" on a message, whose
 * images the bot already resolved into `references`). `--ref` typed in the options is resolved like any.
 */
import type { FormCommand } from '../command.ts';
import { parseForm, typedRefs } from '../flux/forms.ts';
import { startJob } from '../flux/submit.ts';
import { checkInput } from './check.ts';
import { newImageView } from './new-image-view.ts';

const submitted = {
  execute: (ctx, { values, references }, env) =>
    startJob(ctx, env, { ...parseForm(values), references }, typedRefs(values)),
  check: (ctx, { values }, env) => checkInput(ctx, env, parseForm(values)),
} satisfies Omit<FormCommand, 'data'>;

/** The new-image form changes with the model and the priced choices (new-image-view.ts). */
export const newFormCommand = {
  data: { kind: 'new' },
  ...submitted,
  view: (ctx, { values }, env) => newImageView(ctx, env, values),
} satisfies FormCommand;

/** The edit form is a prompt and a line of options, the same whatever is typed. */
export const editFormCommand = { data: { kind: 'edit' }, ...submitted } satisfies FormCommand;
