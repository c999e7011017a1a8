/**
 * Rebuilds a job's Discord context from its stored delivery record (after a restart, or in any process).
 * The record is checked first: one that does not hold throws DeliveryRecordError (an UndeliverableError).
 */
import type { ContextFactory } from '../../commands/context.ts';
import { createDiscordContext, type DiscordContextDeps } from './context.ts';
import { parseDiscordDelivery } from './delivery-record.ts';

export function createDiscordFactory(deps: DiscordContextDeps): ContextFactory {
  return {
    restore(delivery, actor) {
      return createDiscordContext(deps, parseDiscordDelivery(delivery), actor);
    },
  };
}
