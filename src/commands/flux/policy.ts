/**
 * A workspace's settings as the request validator takes them: the models it allows, its defaults, the
 * strictest safety the channel permits.
 */
import { maxSafetyFor, type WorkspaceSettings } from '../../core/budgets.ts';
import type { RequestPolicy } from '../../core/request.ts';
import { settingsFor } from '../admin.ts';
import type { CommandEnv } from '../command.ts';
import type { CommandContext } from '../context.ts';

/** What this workspace allows and defaults to, as the request validator takes it. */
export async function policyFor(env: CommandEnv, ctx: CommandContext): Promise<RequestPolicy> {
  return policyOf(await settingsFor(env.settings, ctx), ctx.channelId);
}

export function policyOf(s: WorkspaceSettings, channelId: string | undefined): RequestPolicy {
  const p: RequestPolicy = {};
  if (s.allowedModels) p.allowedModels = s.allowedModels;
  if (s.defaultModel) p.defaultModel = s.defaultModel;
  if (s.defaultSize) p.defaultSize = s.defaultSize;
  const max = maxSafetyFor(s, channelId);
  if (max !== undefined) p.maxSafety = max;
  return p;
}
