/**
 * A submitted form checked before the platform answers it, so a platform that can keep the form open
 * (Slack's `response_action: errors`) shows the member's mistake on its field instead of closing the
 * form. Nothing is created, queued or spent here; the real submission validates again.
 */
import { validateRequest } from '../../core/request.ts';
import type { CommandEnv } from '../command.ts';
import type { CommandContext } from '../context.ts';
import type { FluxInput } from '../flux/definition.ts';
import { planDraft } from '../flux/draft.ts';
import { policyFor } from '../flux/policy.ts';

/** A message per field, by option name (`reference` for the references, a typed flag for an unknown one). */
export type FieldErrors = Record<string, string>;

/**
 * Throws the ValidationError the submission would meet. References are not resolved here (a download
 * takes longer than the form can wait): their checks come with the submission itself.
 */
export async function checkInput(ctx: CommandContext, env: CommandEnv, input: FluxInput): Promise<void> {
  const { draft, ...options } = input;
  const policy = await policyFor(env, ctx);
  if (draft) planDraft(options, env, policy);
  else validateRequest(options, env.catalog, policy);
}
