/** The "Edit with FLUX" message shortcut: the message's images become references of a new image. */
import type { App, MessageShortcut } from '@slack/bolt';
import type { Form } from '../../../commands/context.ts';
import { formTexts } from '../../../commands/flux/form-texts.ts';
import { pickLocale } from '../../../commands/i18n/locale.ts';
import { modalView } from '../modal.ts';
import { slackTexts } from '../texts.ts';
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
    const locale = pickLocale(ctx.actor.locale);
    await deps.boundary(ctx, async () => {
      if (!files.length) {
        await ctx.replyPrivate(slackTexts(locale).noImagesToEdit);
        return;
      }
      const refs = files.slice(0, 8).map((f) => f.url_private as string);
      const t = formTexts(locale);
      const form: Form = {
        id: 'edit',
        title: t.editTitle,
        fields: [
          { name: 'prompt', label: t.whatToChange(String(refs.length)), multiline: true, required: true },
          { name: 'options', label: t.optionsOptional, placeholder: '--model max --size 16:9' },
        ],
        ...(locale !== 'en' ? { locale } : {}),
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
