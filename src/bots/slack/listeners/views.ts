/** Submitted forms: new (from `/flux` alone), remix, use-as-reference and edit. */
import type { App } from '@slack/bolt';
import { FORM_CALLBACK_PREFIX, formValues, viewValues } from '../modal.ts';
import { formWhere, readMeta, VIEW_CALLBACKS } from './form-meta.ts';
import type { ListenerDeps } from './types.ts';

/** How long the check may hold the ack: Slack gives up at 3 s, and the receiver answers 404 at 2.9 s. */
export const CHECK_MS = 2_000;

/**
 * A submission of one of our forms is checked before its ack: a mistake is answered with
 * `response_action: errors` on its field and the form stays open; anything else is acked empty.
 */
export function registerViews(app: App, deps: ListenerDeps): void {
  app.view(VIEW_CALLBACKS, async ({ ack, view, body }) => {
    const meta = readMeta(view.private_metadata);
    if (!meta?.channelId) return void (await ack());
    const pending = deps.contextFor(formWhere(meta, body));
    const formId = view.callback_id.slice(FORM_CALLBACK_PREFIX.length);
    const state = view.state as Parameters<typeof viewValues>[0];
    const values = formValues(viewValues(state));
    const check = pending.then((ctx) => deps.commands.checkForm(ctx, formId, values));
    const errors = await withinMs(check, CHECK_MS).catch((err: unknown) => {
      deps.logger.warn({ err }, 'slack form check failed: the submission answers instead');
      return undefined;
    });
    if (errors) return void (await ack({ response_action: 'errors', errors: onBlocks(errors, state) }));
    await ack();
    const ctx = await pending;
    await deps.boundary(ctx, async () => {
      const refs = formId === 'edit' && meta.refs?.length ? await ctx.resolveReferences(meta.refs) : [];
      await deps.commands.form(ctx, formId, values, refs);
    });
  });
}

/** Undefined when `promise` takes longer than `ms`: the check is skipped, never the submission. */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Options the form has no field of its own for (a typed flag, folded fields). */
const ELSEWHERE: Readonly<Record<string, string>> = { reference: 'refs' };

/**
 * Errors by option name on the view's blocks: the option's own block, else where it was typed (the
 * options field), else the first field. Slack shows the text as typed (plain text): a code span's
 * backticks become quotes.
 */
function onBlocks(errors: Record<string, string>, state: Parameters<typeof viewValues>[0]) {
  const blocks = Object.keys(state?.values ?? {});
  const out: Record<string, string> = {};
  for (const [option, message] of Object.entries(errors)) {
    const named = [option, ELSEWHERE[option], 'options', blocks[0]].find((b) => b && blocks.includes(b));
    out[named ?? option] = message.replace(/`([^`]*)`/g, '“$1”');
  }
  return out;
}
