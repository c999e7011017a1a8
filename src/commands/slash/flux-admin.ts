/** `/flux-admin <command>` (Slack: `/flux admin …`): settings and budgets, for admins only. */
import { runAdmin } from '../admin.ts';
import type { Command } from '../command.ts';
import { helpTexts } from '../flux/help-texts.ts';

export const adminCommand = {
  data: {
    name: 'flux-admin',
    description: helpTexts('en').admin,
    private: true,
    roles: true,
  },
  async execute(ctx, args, env) {
    await runAdmin(ctx, env.settings, args.text?.trim() || 'show', {
      ledger: env.settings,
      ...(env.credits ? { credits: env.credits } : {}),
      now: env.now,
    });
    return undefined;
  },
} satisfies Command;
