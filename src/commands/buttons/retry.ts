/**
 * Retry with a new seed: on a failure another seed may fix (output moderation, the provider's trouble),
 * the same request again as a child of the failed job. Who may press it is as for Reroll.
 */
import type { ButtonCommand } from '../command.ts';
import { withNewSeed } from './reroll.ts';

export const retryButton = {
  data: { action: 'retry', anyone: false, opensForm: false },
  execute: (ctx, job, env) => withNewSeed(ctx, job, env, 'retry'),
} satisfies ButtonCommand;
