/** Remix: the job's request (or one image's) in a form, to change and run as anyone's own new image. */
import type { ButtonCommand } from '../command.ts';
import { remixForm } from '../flux/forms.ts';

export const remixButton = {
  data: { action: 'remix', anyone: true, opensForm: true },
  async execute(ctx, job, _env, index) {
    await ctx.openForm(remixForm(job, index));
  },
} satisfies ButtonCommand;
