/**
 * A job belongs to the server or workspace it ran in. Every button, form and modal that names a job by
 * id goes through `jobForActor`: a job from another platform, server or workspace answers exactly like
 * an id that never existed, so its prompt, its cost and its buttons stay out of reach.
 */
import { FluxError } from '../../core/errors.ts';
import type { JobView } from '../../core/job-types.ts';
import type { CommandContext } from '../context.ts';

type Where = Pick<CommandContext, 'platform' | 'actor' | 'workspaceId' | 'channelId'>;

/** The workspace whose admin rights `actor.isAdmin` reflects (Slack Connect: the member's home team). */
function homeOf(ctx: Where): string | undefined {
  return ctx.actor.workspaceId ?? ctx.workspaceId;
}

function isRequester(job: JobView, ctx: Where): boolean {
  return ctx.actor.id === job.origin.userId;
}

/**
 * Whether `ctx` may see the job at all. A job made outside any workspace (a Discord DM) belongs to its
 * channel: no admin exists there, and another DM is somewhere else. In a workspace, a member of another
 * workspace reaching in (a Slack Connect channel hosted by the job's workspace) sees only their own jobs.
 */
export function belongsTo(job: JobView, ctx: Where): boolean {
  if (job.origin.platform !== ctx.platform) return false;
  const workspace = job.origin.workspaceId;
  if (workspace === undefined) return ctx.workspaceId === undefined && ctx.channelId === job.origin.channelId;
  if (ctx.workspaceId !== workspace) return false;
  return isRequester(job, ctx) || homeOf(ctx) === workspace;
}

/** The requester, or an admin of the job's own workspace (never an admin of somewhere else). */
export function mayManage(job: JobView, ctx: Where): boolean {
  if (!belongsTo(job, ctx)) return false;
  if (isRequester(job, ctx)) return true;
  return ctx.actor.isAdmin && job.origin.workspaceId !== undefined && homeOf(ctx) === job.origin.workspaceId;
}

/** The job `jobId` as `ctx` may see it; JOB_NOT_FOUND — the same answer as an unknown id — otherwise. */
export async function jobForActor(
  jobs: { get(id: string): Promise<JobView | undefined> },
  jobId: string | undefined,
  ctx: Where,
): Promise<JobView> {
  const job = jobId ? await jobs.get(jobId) : undefined;
  if (!job || !belongsTo(job, ctx)) throw new FluxError('JOB_NOT_FOUND', `job ${jobId} unknown`);
  return job;
}
