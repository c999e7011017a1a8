/**
 * Use as reference: asks what to make with the job's images (or the one image pressed for); the form
 * (forms/use-ref.ts) starts it.
 */
import type { ButtonCommand } from '../command.ts';
import { imageActionTexts, withImage } from '../flux/image-actions.ts';
import { pickLocale } from '../i18n/locale.ts';

export const useRefButton = {
  data: { action: 'use-ref', anyone: true, opensForm: true },
  async execute(ctx, job, _env, index) {
    if (index !== undefined) {
      const say = imageActionTexts(pickLocale(ctx.actor.locale));
      await ctx.openForm({
        id: `ref:${withImage(job.id, index)}`,
        title: say.refTitle(index + 1),
        fields: [{ name: 'prompt', label: say.refPrompt, multiline: true, required: true }],
      });
      return;
    }
    await ctx.openForm({
      id: `ref:${job.id}`,
      title: 'Use as reference',
      fields: [{ name: 'prompt', label: 'What to make with this image', multiline: true, required: true }],
    });
  },
} satisfies ButtonCommand;
