/** Buttons on cards and results: `flux:<action>:<jobId>`, all state looked up in the store. */
import type { App, BlockButtonAction } from '@slack/bolt';
import { parseActionId } from '../blocks.ts';
import type { ListenerDeps } from './types.ts';

/** The action ids of our buttons (every one acked with an empty body). */
export const ACTION_IDS = /^flux:/;

export function registerActions(app: App, deps: ListenerDeps): void {
  app.action<BlockButtonAction>(ACTION_IDS, async ({ ack, body, action }) => {
    await ack();
    const parsed = parseActionId(action.action_id);
    const channelId = body.channel?.id ?? body.container?.channel_id;
    if (!parsed || !channelId) return;
    const threadTs = (body.message as { thread_ts?: string } | undefined)?.thread_ts;
    // The button's own response_url still reaches the member where the bot can no longer post.
    const responseUrl = (body as { response_url?: string }).response_url;
    const where = {
      teamId: body.team?.id,
      ...(body.user.team_id ? { userTeamId: body.user.team_id } : {}),
      channelId,
      userId: body.user.id,
      userName: body.user.name,
      triggerId: body.trigger_id,
      ...(responseUrl ? { responseUrl } : {}),
      ...(threadTs ? { threadTs } : {}),
    };
    const ctx = await deps.contextFor(where, true);
    await deps.boundary(ctx, () => deps.commands.button(ctx, parsed.action, parsed.jobId, parsed.index));
  });
}
