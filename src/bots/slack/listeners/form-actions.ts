/**
 * A choice made in an open form that changes it (an input block with `dispatch_action`: the new-image
 * form's model, draft, size and count): the form is asked for again with what was entered and redrawn
 * with views.update — other fields for another model, the new estimate — keeping what the member typed.
 *
 * Races: every payload carries the view's `hash`, and views.update refuses a stale one (`hash_conflict`)
 * instead of drawing over a newer view. Redraws of one view run one at a time, and the choice they drew
 * is remembered by its `action_ts` (when the member made it): a choice made before the one drawn is left
 * (its state is older); one made after it, whose hash that redraw outdated (the member chose again before
 * Slack showed the redraw), is drawn over the redraw's own hash, once.
 */
import type { App, BlockAction } from '@slack/bolt';
import { FORM_CALLBACK_PREFIX, formValues, modalView, viewValues } from '../modal.ts';
import { type FormMeta, formWhere, readMeta, VIEW_CALLBACKS } from './form-meta.ts';
import type { ListenerDeps } from './types.ts';

type ViewsClient = Parameters<Parameters<App['action']>[1]>[0]['client'];

/** What was last drawn in a view: its hash, and when the choice it shows was made. */
interface Drawn {
  hash: string;
  actionTs: string;
}

export function registerFormActions(app: App, deps: ListenerDeps): void {
  const turns = createTurns<Drawn>();
  app.action<BlockAction>(
    { type: 'block_actions', callback_id: VIEW_CALLBACKS },
    async ({ ack, body, client }) => {
      await ack();
      const view = body.view;
      const meta = readMeta(view?.private_metadata);
      if (!view?.id || !meta?.channelId) return;
      const actionTs = body.actions[0]?.action_ts ?? '0';
      await turns(view.id, async (drawn) => {
        if (drawn && !isAfter(actionTs, drawn.actionTs)) {
          deps.logger.debug('slack form choice made before the one drawn: not drawn');
          return undefined;
        }
        const hash = await redraw(deps, client, body, meta, drawn?.hash);
        return hash ? { hash, actionTs } : undefined;
      }).catch((err: unknown) => {
        // The form stays as it was drawn: the submission still checks every field.
        if (platformError(err) === 'hash_conflict')
          deps.logger.info('slack form redrawn since: left as it is');
        else deps.logger.warn({ err, code: platformError(err) }, 'slack form redraw failed');
      });
    },
  );
}

/** Redraws the form of `body` for its view's state; resolves with the hash of the view drawn, if any. */
async function redraw(
  deps: ListenerDeps,
  client: ViewsClient,
  body: BlockAction,
  meta: FormMeta,
  drawnHash: string | undefined,
): Promise<string | undefined> {
  const view = body.view as NonNullable<BlockAction['view']>;
  const entered = viewValues(view.state as Parameters<typeof viewValues>[0]);
  const ctx = await deps.contextFor(formWhere(meta, body));
  const formId = view.callback_id.slice(FORM_CALLBACK_PREFIX.length);
  const form = await deps.commands.formView(ctx, formId, formValues(entered));
  if (!form) return undefined;
  const next = modalView(form, { ...meta }, entered) as never;
  const update = async (hash: string) =>
    (await client.views.update({ view_id: view.id, hash, view: next })).view?.hash;
  try {
    return await update(view.hash);
  } catch (err) {
    // Outdated by our own redraw of an earlier choice: this one is newer, so it is drawn over that.
    if (platformError(err) !== 'hash_conflict' || !drawnHash || drawnHash === view.hash) throw err;
    return update(drawnHash);
  }
}

/** Whether Slack timestamp `a` ("1548426417.840180") is later than `b`. */
function isAfter(a: string, b: string): boolean {
  const parts = (ts: string) => {
    const [s = '0', f = ''] = ts.split('.');
    return [Number(s), Number(f.padEnd(6, '0').slice(0, 6))] as const;
  };
  const [as, af] = parts(a);
  const [bs, bf] = parts(b);
  return as !== bs ? as > bs : af > bf;
}

/** The Web API's own error code (`hash_conflict`, `not_found`), when the platform answered one. */
function platformError(err: unknown): string | undefined {
  return (err as { data?: { error?: string } }).data?.error;
}

/**
 * How long what a view last drew is remembered: a choice made before Slack showed a redraw arrives within
 * seconds of it; a later one carries the new hash itself.
 */
const REMEMBER_MS = 5 * 60_000;

/**
 * Work on one view at a time, in the order it came; each turn is told what the last turn that drew left
 * (remembered for REMEMBER_MS). A view's line goes when its last turn is over.
 */
function createTurns<T>(now: () => number = Date.now) {
  const lines = new Map<string, Promise<unknown>>();
  const last = new Map<string, { value: T; at: number }>();
  const forget = () => {
    // Oldest first (a Map keeps insertion order, and a view drawn again is inserted again).
    for (const [viewId, { at }] of last) {
      if (now() - at < REMEMBER_MS) break;
      last.delete(viewId);
    }
  };
  return (viewId: string, work: (last: T | undefined) => Promise<T | undefined>) => {
    const turn = (lines.get(viewId) ?? Promise.resolve()).then(async () => {
      forget();
      const result = await work(last.get(viewId)?.value);
      if (result === undefined) return;
      last.delete(viewId);
      last.set(viewId, { value: result, at: now() });
    });
    const tail = turn.catch(() => undefined);
    lines.set(viewId, tail);
    void tail.then(() => {
      if (lines.get(viewId) === tail) lines.delete(viewId);
    });
    return turn;
  };
}
