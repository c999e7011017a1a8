/** Use as reference: asks what to make with the job's images; the form (forms/use-ref.ts) starts it. */
import type { ButtonCommand } from '../command.ts';
import { formTexts } from '../flux/form-texts.ts';
import { memberLocale } from '../member-locale.ts';

export const useRefButton = {
  data: { action: 'use-ref', anyone: true, opensForm: true },
  async execute(ctx, job, env) {
    const locale = await memberLocale(ctx, env.settings);
    const t = formTexts(locale);
    await ctx.openForm({
      id: `ref:${job.id}`,
      title: t.useRefTitle,
      fields: [{ name: 'prompt', label: t.useRefPrompt, multiline: true, required: true }],
      ...(locale !== 'en' ? { locale } : {}),
    });
  },
} satisfies ButtonCommand;
