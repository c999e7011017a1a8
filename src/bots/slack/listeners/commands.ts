/** `/flux …`: a prompt with flags, `help`, `usage`, `admin …`, or nothing (opens the form). */
import type { App } from '@slack/bolt';
import type { Form } from '../../../commands/context.ts';
import { plainSlackText } from '../text.ts';
import type { ListenerDeps } from './types.ts';

export const FLUX_COMMAND = '/flux';

export function registerCommands(app: App, deps: ListenerDeps): void {
  app.command(FLUX_COMMAND, async ({ ack, command }) => {
    // Slack gives up after 3 s: acknowledge before any other work, answer everything else later.
    await ack();
    const text = command.text.trim();
    const [first = '', ...rest] = text.split(/\s+/);
    const sub = first.toLowerCase();
    const ctx = await deps.contextFor(
      {
        teamId: command.team_id,
        channelId: command.channel_id,
        userId: command.user_id,
        userName: command.user_name,
        responseUrl: command.response_url,
        triggerId: command.trigger_id,
      },
      sub === 'usage' || sub === 'admin',
    );
    await deps.boundary(ctx, async () => {
      if (!text) return ctx.openForm(newImageForm());
      if (sub === 'usage') return deps.flux().usage(ctx);
      // Admin targets are Slack mentions (`<@U123|ana>`): they keep their ids, so no unescaping there.
      if (sub === 'admin') return deps.flux().admin(ctx, rest.join(' ') || 'show');
      await deps.flux().runText(ctx, plainSlackText(text));
    });
  });
}

/** `/flux` alone: the command's options as a form; selects for the fixed choices (see modal.ts). */
export function newImageForm(): Form {
  return {
    id: 'new',
    title: 'FLUX',
    fields: [
      {
        name: 'prompt',
        label: 'Prompt',
        multiline: true,
        required: true,
        placeholder: 'a red fox in the snow, golden hour',
      },
      // No initial model or size: an unset select leaves the workspace's default to the admins.
      { name: 'model', label: 'Model', placeholder: 'Default (pro)' },
      { name: 'size', label: 'Size', placeholder: 'Default size' },
      { name: 'count', label: 'How many', value: '1' },
      { name: 'format', label: 'Format', placeholder: 'jpeg' },
      { name: 'seed', label: 'Seed (empty for a random one)' },
      {
        name: 'refs',
        label: 'Reference images',
        multiline: true,
        placeholder: 'Links to Slack files or public images, one per line',
      },
      { name: 'safety', label: 'Safety tolerance', placeholder: 'Default (2)' },
      { name: 'upsample', label: 'Prompt upsampling', placeholder: 'Default (on; klein has none)' },
      { name: 'steps', label: 'Steps (flex only, 1–50)' },
      { name: 'guidance', label: 'Guidance (flex only, 1.5–10)' },
    ],
  };
}
