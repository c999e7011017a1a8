/** Submitted forms: new (from `/flux` alone), remix, use-as-reference and edit. */
import type { App } from '@slack/bolt';
import { viewValues } from '../blocks.ts';
import type { ListenerDeps } from './types.ts';

interface Meta {
  channelId: string;
  teamId?: string;
  responseUrl?: string;
  refs?: string[];
  threadTs?: string;
}

export function registerViews(app: App, deps: ListenerDeps): void {
  app.view(/^flux:form:/, async ({ ack, view, body }) => {
    await ack();
    const meta = JSON.parse(view.private_metadata || '{}') as Meta;
    if (!meta.channelId) return;
    const teamId = meta.teamId ?? body.team?.id;
    const ctx = await deps.contextFor({
      ...(teamId ? { teamId } : {}),
      channelId: meta.channelId,
      userId: body.user.id,
      userName: body.user.name,
      ...(meta.responseUrl ? { responseUrl: meta.responseUrl } : {}),
      ...(meta.threadTs ? { threadTs: meta.threadTs } : {}),
    });
    const formId = view.callback_id.replace(/^flux:form:/, '');
    const values = viewValues(view.state as Parameters<typeof viewValues>[0]);
    await deps.boundary(ctx, async () => {
      const refs = formId === 'edit' && meta.refs?.length ? await ctx.resolveReferences(meta.refs) : [];
      await deps.flux().form(ctx, formId, values, refs);
    });
  });
}
