/** The submitted "Use as reference" form: a new prompt over the job's posted images, or the one chosen. */
import { ValidationError } from '../../core/errors.ts';
import type { JobView } from '../../core/job-types.ts';
import type { RequestInput } from '../../core/request.ts';
import type { FormCommand } from '../command.ts';
import { imageOf, resultUrlOf } from '../flux/image-actions.ts';
import { jobForActor } from '../flux/ownership.ts';
import { startJob } from '../flux/submit.ts';
import { checkInput } from './check.ts';

export const useRefFormCommand = {
  data: { kind: 'ref' },
  async execute(ctx, { jobId, index, values }, env) {
    const job = await jobForActor(env.jobs, jobId, ctx);
    const all = Array.isArray(job.delivery.resultUrls) ? (job.delivery.resultUrls as string[]) : [];
    const one = index === undefined ? undefined : resultUrlOf(job, imageOf(job, index));
    const urls = index === undefined ? all : one ? [one] : [];
    // Never a generation without the reference the member asked for (and paid for).
    if (!urls.length)
      throw new ValidationError(
        'REFERENCE_INVALID',
        'reference',
        'a result whose images the bot can still read',
        'a result with no images left',
      );
    return startJob(ctx, env, inputOf(job, values), urls, { id: job.id, kind: 'reference' });
  },
  async check(ctx, { jobId, values }, env) {
    await checkInput(ctx, env, inputOf(await jobForActor(env.jobs, jobId, ctx), values));
  },
} satisfies FormCommand;

function inputOf(job: JobView, values: Record<string, string>): RequestInput {
  return { prompt: values.prompt ?? '', model: job.request.model, format: job.request.format };
}
