/** Submitted forms: new (from `/flux` alone), remix, use-as-reference and edit. */
import type { App } from '@slack/bolt';
import { FORM_CALLBACK_PREFIX, formValues, viewValues } from '../modal.ts';
import type { ListenerDeps } from './types.ts';

interface Meta {
  channelId: string;
  teamId?: string;
  responseUrl?: string;
  refs?: string[];
  threadTs?: string;
}

/** The callback ids of our forms (every submission acked with an empty body, no `response_action`). */
export const VIEW_CALLBACKS = /^flux:form:/;

export function registerViews(app: App, deps: ListenerDeps): void {
  app.view(VIEW_CALLBACKS, async ({ ack, view, body }) => {
    await ack();
    const meta = readMeta(view.private_metadata);
    if (!meta?.channelId) return;
    const teamId = meta.teamId ?? body.team?.id;
    const ctx = await deps.contextFor({
      ...(teamId ? { teamId } : {}),
      ...(body.user.team_id ? { userTeamId: body.user.team_id } : {}),
      channelId: meta.channelId,
      userId: body.user.id,
      userName: body.user.name,
      ...(meta.responseUrl ? { responseUrl: meta.responseUrl } : {}),
      ...(meta.threadTs ? { threadTs: meta.threadTs } : {}),
    });
    const formId = view.callback_id.slice(FORM_CALLBACK_PREFIX.length);
    const values = formValues(viewValues(view.state as Parameters<typeof viewValues>[0]));
    await deps.boundary(ctx, async () => {
      const refs = formId === 'edit' && meta.refs?.length ? await ctx.resolveReferences(meta.refs) : [];
      await deps.commands.form(ctx, formId, values, refs);
    });
  });
}

function readMeta(raw: string | undefined): Meta | undefined {
  try {
    return JSON.parse(raw || '{}') as Meta;
  } catch {
    return undefined; // not one of our views' metadata: nothing to answer to
  }
}
