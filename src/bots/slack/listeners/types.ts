/** What every listener group needs: the command table and a way to build the context of a payload. */

import type { Commands } from '../../../commands/commands.ts';
import type { CommandContext } from '../../../commands/context.ts';
import type { Logger } from '../../../core/logger.ts';

export interface Where {
  teamId?: string;
  /** The member's home team (`user.team_id`); differs from `teamId` for a guest from another workspace. */
  userTeamId?: string;
  channelId: string;
  userId: string;
  userName?: string;
  responseUrl?: string;
  triggerId?: string;
  /** Set when the interaction happened inside a thread. */
  threadTs?: string;
}

export interface ListenerDeps {
  commands: Commands;
  logger: Logger;
  /** The context for a payload; `admin` looks the user up (workspace admins may manage others' jobs). */
  contextFor(where: Where, admin?: boolean): Promise<CommandContext>;
  /** Runs a listener's work and always answers: a bug becomes a private "something went wrong". */
  boundary(ctx: CommandContext, work: () => Promise<unknown>): Promise<void>;
}
