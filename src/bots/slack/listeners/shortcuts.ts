/** The "Edit with FLUX" message shortcut: the message's images become references of a new image. */
import type { App, MessageShortcut } from '@slack/bolt';
import { modalView } from '../modal.ts';
import type { ListenerDeps } from './types.ts';

export const EDIT_CALLBACK = 'flux_edit';

export function registerShortcuts(app: App, deps: ListenerDeps): void {
  app.shortcut<MessageShortcut>(EDIT_CALLBACK, async ({ ack, shortcut, client }) => {
    await ack();
    const files = (
      (shortcut.message as { files?: Array<{ url_private?: string; mimetype?: string }> }).files ?? []
    ).filter((f) => f.url_private && f.mimetype?.startsWith('image/'));
    const threadTs = (shortcut.message as { thread_ts?: string }).thread_ts;
    const where = {
      teamId: shortcut.team?.id,
      channelId: shortcut.channel.id,
      userId: shortcut.user.id,
      userName: shortcut.user.name,
      responseUrl: shortcut.response_url,
      ...(threadTs ? { threadTs } : {}),
    };
    const ctx = await deps.contextFor(where);
    await deps.boundary(ctx, async () => {
      if (!files.length) {
        await ctx.replyPrivate(
          'That message has no images to edit. Use "Edit with FLUX" on a message with an image attached.',
        );
        return;
      }
      const refs = files.slice(0, 8).map((f) => f.url_private as string);
      const form = {
        id: 'edit',
        title: 'Edit with FLUX',
        fields: [
          {
            name: 'prompt',
            label: `What to change (${refs.length} image${refs.length > 1 ? 's' : ''})`,
            multiline: true,
            required: true,
          },
          { name: 'options', label: 'Options (optional)', placeholder: '--model max --size 16:9' },
        ],
      };
      await client.views.open({
        trigger_id: shortcut.trigger_id,
        view: modalView(form, {
          channelId: where.channelId,
          teamId: where.teamId,
          responseUrl: where.responseUrl,
          threadTs,
          refs,
        }) as never,
      });
    });
  });
}
