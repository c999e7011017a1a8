/** The names a job goes by: its images in the scheduler's line, its requester, its log lines. */
import { createHash } from 'node:crypto';
import type { Platform } from '../job-types.ts';
import type { Logger } from '../logger.ts';
import type { JobRow } from '../store/types.ts';

export const userKey = (platform: Platform, userId: string) => `${platform}:${userId}`;
export const taskKey = (jobId: string, index: number) => `${jobId}:${index}`;
/** Every image of a job, as the scheduler's line names them. */
export const taskKeys = (job: Pick<JobRow, 'id' | 'request'>) =>
  Array.from({ length: job.request.count }, (_, i) => taskKey(job.id, i));
/** The job a scheduler key (`taskKey`) belongs to. */
export const jobOfTaskKey = (key: string) => key.slice(0, key.lastIndexOf(':'));

/** The opaque user id sent to the provider: it can tell users apart, not who they are. */
export function saltedUserHash(salt: string): (platform: Platform, userId: string) => string {
  return (platform, userId) =>
    createHash('sha256').update(`${salt}:${platform}:${userId}`).digest('hex').slice(0, 32);
}

/** The child logger of one job. The request is never bound: it can hold reference bytes. */
export function jobLog(logger: Logger, job: JobRow, extra: Record<string, unknown> = {}): Logger {
  return logger.child({ jobId: job.id, platform: job.origin.platform, user: job.origin.userId, ...extra });
}
