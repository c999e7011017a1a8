/**
 * The command table over the real jobs service (a fake provider, a SQLite file): what the command
 * modules' unit tests run against. `useCommands()` closes each harness after its test.
 */
import { type Commands, createCommands } from '../../src/commands/commands.ts';
import { createLiveContexts } from '../../src/commands/live-contexts.ts';
import { DEFAULT_SETTINGS, type WorkspaceSettings } from '../../src/core/budgets.ts';
import type { Platform } from '../../src/core/job-types.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { DEFAULT_PRICES } from '../../src/core/pricing.ts';
import { toAsyncStore } from '../../src/core/store/sqlite-async.ts';
import { catalog } from './core.ts';
import { type Harness, useHarnesses } from './jobs-harness.ts';

export interface CommandsSetup {
  /** Settings of workspace T1 on Slack before the commands run. */
  settings?: Partial<WorkspaceSettings>;
  platforms?: Platform[];
}

export function useCommands(): (setup?: CommandsSetup) => Promise<{ h: Harness; commands: Commands }> {
  const harness = useHarnesses();
  return async (setup = {}) => {
    const h = harness({ platforms: setup.platforms ?? ['slack'] });
    await h.jobs.start();
    if (setup.settings) h.store.putSettings('slack', 'T1', { ...DEFAULT_SETTINGS, ...setup.settings });
    const logger = silentLogger();
    const commands = createCommands({
      jobs: h.jobs,
      catalog,
      prices: DEFAULT_PRICES,
      logger,
      live: createLiveContexts({}, logger),
      settings: toAsyncStore(h.store),
    });
    return { h, commands };
  };
}
