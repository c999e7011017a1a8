/**
 * The payloads our listeners answer with an empty ack and nothing else: the HTTP receiver answers these
 * itself as soon as their signature checks out, before bolt runs (receiver.ts). A listener that comes to
 * need an ack with a body (a view's `response_action`, a command's immediate text) must leave this list.
 */
import { ACTION_IDS } from './actions.ts';
import { FLUX_COMMAND } from './commands.ts';
import { VIEW_CALLBACKS } from './form-meta.ts';
import { EDIT_CALLBACK } from './shortcuts.ts';

export function acksEmptyAtOnce(body: Record<string, unknown>): boolean {
  if (typeof body.command === 'string') return body.command === FLUX_COMMAND;
  switch (body.type) {
    case 'block_actions': {
      // A choice made in one of our forms: its redraw follows the ack (form-actions.ts).
      const form = (body.view as { callback_id?: unknown } | undefined)?.callback_id;
      if (typeof form === 'string' && VIEW_CALLBACKS.test(form)) return true;
      const first = (body.actions as Array<{ action_id?: unknown }> | undefined)?.[0]?.action_id;
      return typeof first === 'string' && ACTION_IDS.test(first);
    }
    case 'message_action':
      return body.callback_id === EDIT_CALLBACK;
    // A form submission is checked first and may answer `response_action: errors` (views.ts).
    default:
      return false;
  }
}
