/** `/flux …`: a prompt with flags, `help`, `usage`, `admin …`, or nothing (opens the form). */
import type { App } from '@slack/bolt';
import { COMMANDS, findCommand } from '../../../commands/commands.ts';
import type { CommandContext, Form } from '../../../commands/context.ts';
import { plainSlackText } from '../text.ts';
import type { ListenerDeps } from './types.ts';

export const FLUX_COMMAND = '/flux';

export function registerCommands(app: App, deps: ListenerDeps): void {
  app.command(FLUX_COMMAND, async ({ ack, command }) => {
    // Slack gives up after 3 s: acknowledge before any other work, answer everything else later.
    await ack();
    const text = command.text.trim();
    const [first = '', ...rest] = text.split(/\s+/);
    // `/flux usage` is the `flux-usage` command; any other first word is part of a prompt, and so is a
    // command's word followed by text it does not take (`/flux show me a fox`).
    const named = first ? findCommand(`flux-${first.toLowerCase()}`) : undefined;
    const sub = named?.data.textPattern?.test(rest.join(' ')) === false ? undefined : named;
    const ctx = await deps.contextFor(
      {
        teamId: command.team_id,
        channelId: command.channel_id,
        userId: command.user_id,
        userName: command.user_name,
        responseUrl: command.response_url,
        triggerId: command.trigger_id,
      },
      (sub ?? COMMANDS.flux).data.roles,
    );
    await deps.boundary(ctx, async () => {
      if (!text) return ctx.openForm(await newImageForm(deps, ctx));
      // Admin targets are Slack mentions (`<@U123|ana>`): they keep their ids, so no unescaping there.
      if (sub) return deps.commands.run(sub.data.name, ctx, { text: rest.join(' ') });
      await deps.commands.run('flux', ctx, { text: plainSlackText(text) });
    });
  });
}

/** The form as it opens: the workspace's default model's fields, and their estimate. */
async function newImageForm(deps: ListenerDeps, ctx: CommandContext): Promise<Form> {
  const form = await deps.commands.formView(ctx, 'new', {});
  if (!form) throw new Error('the new-image form has no view');
  return form;
}
