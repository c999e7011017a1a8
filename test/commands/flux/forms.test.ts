import { describe, expect, it } from 'vitest';
import { remixForm, remixInput, withModelChoices } from '../../../src/commands/flux/forms.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import type { JobView } from '../../../src/core/job-types.ts';
import { type RequestInput, validateRequest } from '../../../src/core/request.ts';
import { catalog, origin, request } from '../../support/core.ts';

function job(input: RequestInput): JobView {
  return {
    id: 'j1',
    state: 'delivered',
    request: request({ prompt: 'a fox', ...input }),
    origin: origin(),
    delivery: {},
    estimateMicros: 30_000,
    createdAt: 0,
    tasks: [],
  };
}

/** The Remix form as it opens, with some fields changed by the member. */
function submitted(j: JobView, changes: Record<string, string>): Record<string, string> {
  const values = Object.fromEntries(remixForm(j).fields.map((f) => [f.name, f.value ?? '']));
  return { ...values, ...changes };
}

const remix = (j: JobView, changes: Record<string, string>) =>
  validateRequest(remixInput(j, submitted(j, changes), catalog), catalog);

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('a Remix to another model', () => {
  const flex = job({ model: 'flex', steps: 30, guidance: 4, seed: 7 });

  it('leaves out the flex steps and guidance that only came from the old image', () => {
    const r = remix(flex, { model: 'pro' });
    expect(r).toMatchObject({ model: 'pro', seed: 7, prompt: 'a fox', upsample: true });
    expect(r.steps).toBeUndefined();
    expect(r.guidance).toBeUndefined();
  });

  it('still refuses steps or guidance the member typed for a model without them, naming the option', () => {
    const options = remixForm(flex).fields.find((f) => f.name === 'options')?.value ?? '';
    const typedSteps = refusal(() =>
      remix(flex, { model: 'max', options: options.replace('--steps 30', '--steps 40') }),
    );
    expect([typedSteps.option, typedSteps.got]).toEqual(['steps', '40']);
    const added = refusal(() => remix(job({ model: 'pro' }), { model: 'klein-4b', options: '--guidance 3' }));
    expect([added.option, added.got]).toEqual(['guidance', '3']);
  });

  it('drops upsampling, which klein does not have, unless the member asked for it', () => {
    const pro = job({ model: 'pro', upsample: true });
    expect(remix(pro, { model: 'klein-9b' })).toMatchObject({ model: 'klein-9b', upsample: false });
    const typed = refusal(() => remix(pro, { model: 'klein-9b', options: '--upsample' }));
    expect(typed.option).toBe('upsample');
  });

  it('keeps the stored steps, guidance and upsampling when the model stays', () => {
    expect(remix(flex, { prompt: 'a fox at dawn' })).toMatchObject({
      model: 'flex',
      steps: 30,
      guidance: 4,
      prompt: 'a fox at dawn',
    });
    const quiet = job({ model: 'pro', upsample: false });
    expect(remix(quiet, { model: 'max' })).toMatchObject({ model: 'max', upsample: false });
  });

  it('leaves an unknown model for validation to name', () => {
    expect(refusal(() => remix(flex, { model: 'flux-3' })).option).toBe('model');
  });
});

describe('the model choices of a form', () => {
  const model = (policy: Parameters<typeof withModelChoices>[1], j = job({ model: 'klein-9b' })) =>
    withModelChoices(remixForm(j), policy).fields.find((f) => f.name === 'model');

  it('are the models the workspace allows, listed in the label too, the stored one kept when allowed', () => {
    const f = model({ allowedModels: ['klein-4b', 'klein-9b'] });
    expect(f?.choices).toEqual(['klein-4b', 'klein-9b']);
    expect(f?.value).toBe('klein-9b');
    expect(f?.label).toMatch(/\(klein-4b, klein-9b\)$/);
  });

  it('leave a model the workspace no longer allows unchosen', () => {
    const f = model({ allowedModels: ['pro', 'flex'] });
    expect(f?.choices).toEqual(['pro', 'flex']);
    expect(f?.value).toBeUndefined();
  });

  it('are every model when the workspace names none, or none this build knows (never an empty list)', () => {
    for (const allowedModels of [undefined, [], ['flux-9'] as never]) {
      const f = model({ allowedModels });
      expect(f?.choices).toBeUndefined();
      expect(f?.value).toBe('klein-9b');
    }
  });
});
