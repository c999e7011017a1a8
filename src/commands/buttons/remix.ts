/** Remix: the job's request (or one image's) in a form, to change and run as anyone's own new image. */
import type { ButtonCommand } from '../command.ts';
import { remixForm } from '../flux/forms.ts';
import { memberLocale } from '../member-locale.ts';

export const remixButton = {
  data: { action: 'remix', anyone: true, opensForm: true },
  async execute(ctx, job, env, index) {
    await ctx.openForm(remixForm(job, await memberLocale(ctx, env.settings), index));
  },
} satisfies ButtonCommand;
