/**
 * The submitted Remix form: the stored request (or one image's: its seed, one image), changed as the
 * member asked, as a child of the job.
 */
import type { FormCommand } from '../command.ts';
import { remixInput, typedRefs } from '../flux/forms.ts';
import { imageOf } from '../flux/image-actions.ts';
import { jobForActor } from '../flux/ownership.ts';
import { startJob } from '../flux/submit.ts';
import { checkInput } from './check.ts';

export const remixFormCommand = {
  data: { kind: 'remix' },
  async execute(ctx, { jobId, index, values }, env) {
    const job = await jobForActor(env.jobs, jobId, ctx);
    const image = index === undefined ? undefined : imageOf(job, index);
    // `--ref` typed in the options goes through the platform's checks like any other.
    return startJob(ctx, env, remixInput(job, values, env.catalog, image), typedRefs(values), {
      id: job.id,
      kind: 'remix',
    });
  },
  async check(ctx, { jobId, index, values }, env) {
    const job = await jobForActor(env.jobs, jobId, ctx);
    const image = index === undefined ? undefined : imageOf(job, index);
    await checkInput(ctx, env, remixInput(job, values, env.catalog, image));
  },
} satisfies FormCommand;
