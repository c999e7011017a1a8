/**
 * Modals in the loopback Slack, as Slack keeps them: views.open and views.update answer the view drawn
 * (its id, a new `hash` per drawing, an empty `state`); views.update takes `view_id` and refuses a stale
 * `hash` (`hash_conflict`) or an unknown view (`not_found`). What a member enters lives in the view's
 * state, by block id and action id, and survives a redraw only where the new view has an input with the
 * same block id and action id. A member's change is told to the app only for an input block with
 * `dispatch_action` (a block_actions payload carrying the whole view, its state and hash); everything
 * else waits for the submission.
 */
import { randomBytes } from 'node:crypto';
import { jsonParam } from './slack-wire.ts';

type Json = Record<string, unknown>;
type Block = Json & { type?: string; block_id?: string; dispatch_action?: boolean; element?: Element };
type Element = Json & {
  type?: string;
  action_id?: string;
  initial_value?: string;
  initial_option?: Option;
  options?: Option[];
};
type Option = { text: { type: string; text: string }; value: string };

export interface FakeView {
  id: string;
  hash: string;
  /** The view as last drawn, with the block and action ids Slack gave where the app gave none. */
  view: Json;
  /** What the member entered: block id → action id → value (null: cleared). */
  entries: Map<string, { actionId: string; value: string | null }>;
}

/** Who acts in a view. */
export interface ViewMember {
  user: string;
  team?: string;
  name?: string;
}

export interface FakeSlackViews {
  /** views.open calls, in order: the trigger and the view as sent. */
  opened: Array<{ triggerId: string; view: Json }>;
  /** views.update calls that drew a view, in order, with the hash they gave. */
  updated: Array<{ viewId: string; hash?: string; view: Json }>;
  /** Open views by id. */
  byId: Map<string, FakeView>;
  api(method: string, params: Json, ok: (body?: Json) => void, fail: (error: string) => void): boolean;
  /**
   * A member sets the input of block `blockId` (a select takes one of its option values). Returns what
   * Slack sends the app about it: a block_actions payload when the block dispatches actions, else nothing.
   */
  enter(viewId: string, blockId: string, value: string, who: ViewMember): Json | undefined;
  /** The view_submission payload of the view as it stands. */
  submission(viewId: string, who: ViewMember): Json;
}

const newId = (prefix: string) => `${prefix}${randomBytes(5).toString('hex').toUpperCase()}`;
const newHash = () => `${Math.floor(Date.now() / 1000)}.${randomBytes(4).readUInt32BE()}`;

/** When a member acted, as Slack writes it (seconds with microseconds); later actions are later. */
let lastActionUs = 0;
function actionTs(): string {
  lastActionUs = Math.max(Date.now() * 1000, lastActionUs + 1);
  return `${Math.floor(lastActionUs / 1e6)}.${String(lastActionUs % 1e6).padStart(6, '0')}`;
}

export function createFakeSlackViews(): FakeSlackViews {
  const opened: FakeSlackViews['opened'] = [];
  const updated: FakeSlackViews['updated'] = [];
  const byId = new Map<string, FakeView>();

  function draw(record: FakeView, sent: Json): void {
    const blocks = ((sent.blocks as Block[] | undefined) ?? []).map((b) => ({
      ...b,
      block_id: b.block_id ?? newId('B'),
      ...(b.element ? { element: { ...b.element, action_id: b.element.action_id ?? newId('A') } } : {}),
    }));
    const inputs = new Map(blocks.filter((b) => b.type === 'input').map((b) => [b.block_id, b]));
    for (const [blockId, entry] of record.entries) {
      if (inputs.get(blockId)?.element?.action_id !== entry.actionId) record.entries.delete(blockId);
    }
    record.view = { ...sent, blocks };
    record.hash = newHash();
  }

  function answer(record: FakeView): Json {
    const v = record.view;
    return {
      id: record.id,
      team_id: 'T1',
      type: v.type,
      blocks: v.blocks,
      private_metadata: v.private_metadata ?? '',
      callback_id: v.callback_id ?? '',
      state: { values: {} },
      hash: record.hash,
      title: v.title,
      clear_on_close: false,
      notify_on_close: false,
      close: v.close ?? null,
      submit: v.submit ?? null,
      previous_view_id: null,
      root_view_id: record.id,
      app_id: 'A1',
      external_id: '',
      app_installed_team_id: 'T1',
      bot_id: 'BBOT',
    };
  }

  /** Every input's value as Slack reports it: what was entered, else the initial value or option. */
  function state(record: FakeView): Json {
    const values: Record<string, Json> = {};
    for (const b of record.view.blocks as Block[]) {
      const e = b.element;
      if (b.type !== 'input' || !e?.action_id || !b.block_id) continue;
      const entry = record.entries.get(b.block_id);
      values[b.block_id] = { [e.action_id]: elementState(e, entry ? entry.value : undefined) };
    }
    return { values };
  }

  function withState(record: FakeView): Json {
    return { ...answer(record), state: state(record) };
  }

  const base = (type: string, who: ViewMember) => ({
    type,
    team: { id: who.team ?? 'T1', domain: 'fake' },
    user: {
      id: who.user,
      username: who.name ?? who.user,
      name: who.name ?? who.user,
      team_id: who.team ?? 'T1',
    },
    api_app_id: 'A1',
    token: 'deprecated',
    trigger_id: `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(8).toString('hex')}`,
    is_enterprise_install: false,
    enterprise: null,
  });

  function find(viewId: string): FakeView {
    const record = byId.get(viewId);
    if (!record) throw new Error(`fake Slack: no open view ${viewId}`);
    return record;
  }

  return {
    opened,
    updated,
    byId,
    api(method, params, ok, fail) {
      if (method === 'views.open') {
        const view = jsonParam<Json>(params.view);
        if (!view || !params.trigger_id) {
          fail('invalid_arguments');
          return true;
        }
        opened.push({ triggerId: String(params.trigger_id), view });
        const record: FakeView = { id: newId('V'), hash: '', view: {}, entries: new Map() };
        draw(record, view);
        byId.set(record.id, record);
        ok({ view: answer(record) });
        return true;
      }
      if (method === 'views.update') {
        const view = jsonParam<Json>(params.view);
        if (!view || !params.view_id) {
          fail('invalid_arguments');
          return true;
        }
        const record = byId.get(String(params.view_id));
        if (!record) {
          fail('not_found');
          return true;
        }
        if (params.hash !== undefined && params.hash !== record.hash) {
          fail('hash_conflict');
          return true;
        }
        updated.push({ viewId: record.id, ...(params.hash ? { hash: String(params.hash) } : {}), view });
        draw(record, view);
        ok({ view: answer(record) });
        return true;
      }
      return false;
    },
    enter(viewId, blockId, value, who) {
      const record = find(viewId);
      const block = (record.view.blocks as Block[]).find((b) => b.block_id === blockId && b.type === 'input');
      const e = block?.element;
      if (!block || !e?.action_id) throw new Error(`fake Slack: view ${viewId} has no input ${blockId}`);
      if (e.type === 'static_select' && !e.options?.some((o) => o.value === value))
        throw new Error(`fake Slack: ${blockId} offers no option ${value}`);
      record.entries.set(blockId, { actionId: e.action_id, value });
      if (!block.dispatch_action) return undefined;
      const action = {
        ...elementState(e, value),
        action_id: e.action_id,
        block_id: blockId,
        action_ts: actionTs(),
      };
      return {
        ...base('block_actions', who),
        container: { type: 'view', view_id: record.id },
        view: withState(record),
        actions: [action],
      };
    },
    submission(viewId, who) {
      return { ...base('view_submission', who), view: withState(find(viewId)), response_urls: [] };
    },
  };
}

/** One element's state: `undefined` is untouched (its initial value), `null` cleared. */
function elementState(e: Element, entered: string | null | undefined): Json {
  if (e.type === 'static_select') {
    const option =
      entered === undefined
        ? (e.initial_option ?? null)
        : (e.options?.find((o) => o.value === entered) ?? null);
    return { type: 'static_select', selected_option: option };
  }
  const value = entered === undefined ? (e.initial_value ?? null) : entered;
  return { type: e.type ?? 'plain_text_input', value };
}
