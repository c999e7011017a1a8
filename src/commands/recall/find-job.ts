/**
 * A job named by a short id, as the member asking may see it: their own jobs, or — for an admin of this
 * server or workspace — any of its jobs; never one of another platform, server or workspace. A prefix
 * that fits two jobs is refused rather than guessed.
 */
import type { JobView } from '../../core/job-types.ts';
import type { JobQuery } from '../../core/store/types.ts';
import type { CommandEnv } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { mayManage } from '../flux/ownership.ts';

export type Found = { job: JobView } | { missing: 'none' | 'ambiguous' };

/** An admin whose rights hold here (Slack Connect: only in their own workspace). */
export function adminHere(ctx: CommandContext): boolean {
  return (
    ctx.actor.isAdmin &&
    ctx.workspaceId !== undefined &&
    (ctx.actor.workspaceId ?? ctx.workspaceId) === ctx.workspaceId
  );
}

/** The member's own jobs here (or all of this server's, for its admin). */
export function queryFor(ctx: CommandContext, everyone = false): JobQuery {
  return {
    platform: ctx.platform,
    ...(ctx.workspaceId !== undefined ? { workspaceId: ctx.workspaceId } : {}),
    ...(everyone ? {} : { userId: ctx.actor.id }),
  };
}

export async function findJob(env: CommandEnv, ctx: CommandContext, idPrefix: string): Promise<Found> {
  const rows = await env.settings.recentJobs({ ...queryFor(ctx, adminHere(ctx)), idPrefix }, 2);
  const seen = (await Promise.all(rows.map((row) => env.jobs.get(row.id)))).filter(
    (job): job is JobView => job !== undefined && mayManage(job, ctx),
  );
  if (seen.length > 1) return { missing: 'ambiguous' };
  const job = seen[0];
  return job ? { job } : { missing: 'none' };
}
