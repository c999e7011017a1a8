/**
 * Use as reference: asks what to make with the job's images (or the one image pressed for); the form
 * (forms/use-ref.ts) starts it.
 */
import type { ButtonCommand } from '../command.ts';
import { formTexts } from '../flux/form-texts.ts';
import { imageActionTexts, withImage } from '../flux/image-actions.ts';
import { memberLocale } from '../member-locale.ts';

export const useRefButton = {
  data: { action: 'use-ref', anyone: true, opensForm: true },
  async execute(ctx, job, env, index) {
    const locale = await memberLocale(ctx, env.settings);
    if (index !== undefined) {
      const say = imageActionTexts(locale);
      await ctx.openForm({
        id: `ref:${withImage(job.id, index)}`,
        title: say.refTitle(index + 1),
        fields: [{ name: 'prompt', label: say.refPrompt, multiline: true, required: true }],
        ...(locale !== 'en' ? { locale } : {}),
      });
      return;
    }
    const t = formTexts(locale);
    await ctx.openForm({
      id: `ref:${job.id}`,
      title: t.useRefTitle,
      fields: [{ name: 'prompt', label: t.useRefPrompt, multiline: true, required: true }],
      ...(locale !== 'en' ? { locale } : {}),
    });
  },
} satisfies ButtonCommand;
