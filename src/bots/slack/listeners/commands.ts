/** `/flux …`: a prompt with flags, `help`, `usage`, `admin …`, or nothing (opens the form). */
import type { App } from '@slack/bolt';
import { SIZE_PRESETS } from '../../../commands/flux/definition.ts';
import type { ListenerDeps } from './types.ts';

export function registerCommands(app: App, deps: ListenerDeps): void {
  app.command('/flux', async ({ ack, command }) => {
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
      if (!text) {
        await ctx.openForm({
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
            { name: 'model', label: 'Model', value: 'pro' },
            { name: 'size', label: 'Size', value: SIZE_PRESETS[0]?.value },
            { name: 'seed', label: 'Seed (empty for a random one)' },
            { name: 'options', label: 'More options', placeholder: '--count 2 --format png --ref https://…' },
          ],
        });
        return;
      }
      if (sub === 'usage') return deps.flux().usage(ctx);
      if (sub === 'admin') return deps.flux().admin(ctx, rest.join(' ') || 'show');
      await deps.flux().runText(ctx, text);
    });
  });
}
