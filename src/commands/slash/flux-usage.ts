/** `/flux-usage` (Slack: `/flux usage`): your spend and budgets, privately, with a chart. */
import type { Command } from '../command.ts';
import { helpTexts } from '../flux/help-texts.ts';
import { runUsage } from '../usage.ts';

export const usageCommand = {
  data: {
    name: 'flux-usage',
    description: helpTexts('en').usage_,
    private: true,
    // Admins also see the server's totals.
    roles: true,
  },
  async execute(ctx, _args, env) {
    await runUsage(ctx, env.settings, env.now());
    return undefined;
  },
} satisfies Command;
