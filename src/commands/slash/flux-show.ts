/**
 * `/flux-show id:` (Slack: `/flux show <id>`): everything about one job, privately, and the command that
 * makes it again. A member sees their own jobs; an admin any job of their own server or workspace.
 */

import { codeSpan } from '../code-span.ts';
import type { Command } from '../command.ts';
import { helpTexts } from '../flux/help-texts.ts';
import { memberLocale } from '../member-locale.ts';
import { findJob } from '../recall/find-job.ts';
import { parseShortId } from '../recall/short-id.ts';
import { recallUsage, showText } from '../recall/show.ts';
import { recallTexts } from '../recall/texts.ts';

export const showCommand = {
  data: {
    name: 'flux-show',
    description: helpTexts('en').show,
    private: true,
    // An admin may look up any job of their server.
    roles: true,
    // Slack reads `/flux show me a fox` as a prompt: only an id makes it this command.
    textPattern: /^#?[0-9a-f][0-9a-f-]{3,35}$/i,
  },
  async execute(ctx, args, env) {
    const locale = await memberLocale(ctx, env.settings);
    const t = recallTexts(locale);
    const usage = recallUsage(ctx.platform);
    const typed = args.text?.trim() ?? '';
    const prefix = parseShortId(typed);
    if (!prefix) {
      await ctx.replyPrivate(t.badId(codeSpan(typed || ' '), usage.history));
      return undefined;
    }
    const found = await findJob(env, ctx, prefix);
    if ('job' in found)
      await ctx.replyPrivate(showText(found.job, env.catalog, ctx.platform, locale, ctx.actor.id));
    else if (found.missing === 'ambiguous') await ctx.replyPrivate(t.ambiguous(codeSpan(`#${prefix}`)));
    else await ctx.replyPrivate(t.notFound(codeSpan(`#${prefix}`), usage.history));
    return undefined;
  },
} satisfies Command;
