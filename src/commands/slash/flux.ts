/** `/flux`: a prompt and options (typed by Discord, or one line of text on Slack and the CLI) → a job. */
import { settingsFor } from '../admin.ts';
import type { Command } from '../command.ts';
import { helpText } from '../flux/help.ts';
import { helpTexts } from '../flux/help-texts.ts';
import { parseFluxText } from '../flux/parse.ts';
import { policyOf } from '../flux/policy.ts';
import { sizeChoices } from '../flux/size-choices.ts';
import { moneyFor, requestOf, startJob } from '../flux/submit.ts';
import { localeWith, memberLocale } from '../member-locale.ts';

export const fluxCommand = {
  data: {
    name: 'flux',
    description: helpTexts('en').flux,
    private: false,
    roles: false,
  },
  async execute(ctx, args, env) {
    if (args.input) return startJob(ctx, env, args.input, args.refs);
    const text = args.text ?? '';
    if (/^\s*help\s*$/i.test(text)) {
      await ctx.replyPrivate(helpText(await memberLocale(ctx, env.settings)));
      return undefined;
    }
    const { input, refs } = parseFluxText(text);
    return startJob(ctx, env, input, [...refs, ...(args.refs ?? [])]);
  },
  /** Typed options only (Discord's): text is parsed, and `--ref` links resolved, by execute as before. */
  async check(ctx, args, env) {
    if (!args.input || args.refs?.length) return 'public';
    // One read of the workspace's settings serves the policy, the language and the money questions.
    const settings = await settingsFor(env.settings, ctx);
    const { request } = requestOf(args.input, [], env, policyOf(settings, ctx.channelId));
    const { confirm } = await moneyFor(ctx, env, request, localeWith(ctx, settings), settings);
    return confirm ? 'private' : 'public';
  },
  autocomplete(option, partial, options, env, locale) {
    return option === 'size' ? sizeChoices(partial, options.model, env.catalog, env.prices, locale) : [];
  },
} satisfies Command;
