/** Rebuilds a job's Discord context from its stored delivery record (after a restart, or in any process). */
import type { ContextFactory } from '../../commands/context.ts';
import { createDiscordContext, type DiscordContextDeps, type DiscordDelivery } from './context.ts';

export function createDiscordFactory(deps: DiscordContextDeps): ContextFactory {
  return {
    restore(delivery, actor) {
      return createDiscordContext(deps, delivery as unknown as DiscordDelivery, actor);
    },
  };
}
