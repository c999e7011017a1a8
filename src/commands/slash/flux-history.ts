/**
 * `/flux-history` (Slack: `/flux history`): the member's last jobs here, privately, with short ids,
 * state, cost and links. A command of its own rather than a view of `/flux-usage`: usage answers "what
 * did I spend", history "what did I make"; on Slack both are one word after `/flux`.
 */

import type { Command } from '../command.ts';
import { helpTexts } from '../flux/help-texts.ts';
import { memberLocale } from '../member-locale.ts';
import { queryFor } from '../recall/find-job.ts';
import { HISTORY_LENGTH, historyText } from '../recall/history.ts';

export const historyCommand = {
  data: {
    name: 'flux-history',
    description: helpTexts('en').history,
    private: true,
    roles: false,
    // Slack reads `/flux history of rome` as a prompt: only the word alone makes it this command.
    textPattern: /^$/,
  },
  async execute(ctx, _args, env) {
    const jobs = await env.settings.recentJobs(queryFor(ctx), HISTORY_LENGTH);
    await ctx.replyPrivate(historyText(jobs, ctx.platform, await memberLocale(ctx, env.settings)));
    return undefined;
  },
} satisfies Command;
