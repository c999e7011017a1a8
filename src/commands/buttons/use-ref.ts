/** Use as reference: asks what to make with the job's images; the form (forms/use-ref.ts) starts it. */
import type { ButtonCommand } from '../command.ts';

export const useRefButton = {
  data: { action: 'use-ref', anyone: true, opensForm: true },
  async execute(ctx, job) {
    await ctx.openForm({
      id: `ref:${job.id}`,
      title: 'Use as reference',
      fields: [{ name: 'prompt', label: 'What to make with this image', multiline: true, required: true }],
    });
  },
} satisfies ButtonCommand;
