/** The submitted Remix form: the stored request, changed as the member asked, as a child of the job. */
import type { FormCommand } from '../command.ts';
import { remixInput, typedRefs } from '../flux/forms.ts';
import { jobForActor } from '../flux/ownership.ts';
import { startJob } from '../flux/submit.ts';

export const remixFormCommand = {
  data: { kind: 'remix' },
  async execute(ctx, { jobId, values }, env) {
    const job = await jobForActor(env.jobs, jobId, ctx);
    // `--ref` typed in the options goes through the platform's checks like any other.
    return startJob(ctx, env, remixInput(job, values, env.catalog), typedRefs(values), {
      id: job.id,
      kind: 'remix',
    });
  },
} satisfies FormCommand;
