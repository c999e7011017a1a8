/** Remix: the job's request (or one image's) in a form, to change and run as anyone's own new image. */

import { settingsFor } from '../admin.ts';
import type { ButtonCommand } from '../command.ts';
import { remixForm, withModelChoices } from '../flux/forms.ts';
import { policyOf } from '../flux/policy.ts';
import { localeWith } from '../member-locale.ts';

export const remixButton = {
  data: { action: 'remix', anyone: true, opensForm: true },
  async execute(ctx, job, env, index) {
    // One read of the workspace's settings: the member's language and the models the form offers. The
    // store being down must not keep the form shut: it opens in English, every model offered.
    const settings = await settingsFor(env.settings, ctx).catch(() => undefined);
    const form = remixForm(job, localeWith(ctx, settings), index);
    await ctx.openForm(settings ? withModelChoices(form, policyOf(settings, ctx.channelId)) : form);
  },
} satisfies ButtonCommand;
