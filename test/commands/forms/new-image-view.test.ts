import { describe, expect, it } from 'vitest';
import type { Form } from '../../../src/commands/context.ts';
import { useCommands } from '../../support/commands-harness.ts';
import { createFakeContext } from '../../support/fake-context.ts';

const names = (form: Form | undefined) => form?.fields.map((f) => f.name);

describe('the new-image form for what was entered so far', () => {
  const commandsWith = useCommands();

  it("has the default model's fields, marks the choices that change it, and notes the estimate", async () => {
    const { commands } = await commandsWith();
    const form = await commands.formView(createFakeContext(), 'new', {});
    expect(names(form)).toEqual([
      'prompt',
      'model',
      'draft',
      'size',
      'count',
      'format',
      'seed',
      'refs',
      'safety',
      'upsample',
    ]);
    expect(form?.fields.filter((f) => f.refreshes).map((f) => f.name)).toEqual([
      'model',
      'draft',
      'size',
      'count',
    ]);
    expect(form?.note).toBe('Estimated cost: ~$0.045, plus any reference images');
    // No models named by the workspace: the form offers every one.
    expect(form?.fields.find((f) => f.name === 'model')?.choices).toBeUndefined();
  });

  it("shows flex's steps and guidance for flex, and no upsampling for klein", async () => {
    const { commands } = await commandsWith();
    const flex = await commands.formView(createFakeContext(), 'new', { model: 'flex' });
    expect(names(flex)?.slice(-3)).toEqual(['upsample', 'steps', 'guidance']);
    const klein = await commands.formView(createFakeContext(), 'new', { model: 'klein-9b' });
    expect(names(klein)).not.toContain('upsample');
    expect(names(klein)).not.toContain('steps');
  });

  it('prices what a submission would carry: the count among the options, the draft', async () => {
    const { commands } = await commandsWith();
    const ctx = createFakeContext();
    const two = await commands.formView(ctx, 'new', { model: 'max', options: '--count 2' });
    // max, 1024x1024 billed as 2 MP: $0.07 + $0.03, twice.
    expect(two?.note).toContain('~$0.20,');
    // A mistake among the options is the submission's to name: the named fields still price.
    const typo = await commands.formView(ctx, 'new', { model: 'max', options: '--bogus 3' });
    expect(typo?.note).toContain('~$0.10,');
    const draft = await commands.formView(ctx, 'new', { options: '--draft' });
    expect(draft?.note).toBe(
      'Estimated cost: ~$0.015 for the draft (its final ~$0.045), plus any reference images',
    );
  });

  it("follows the workspace: its default model's fields, no estimate for a model it turned off", async () => {
    const { commands } = await commandsWith({
      settings: { defaultModel: 'flex', allowedModels: ['flex', 'pro'], language: 'zh-Hans' },
    });
    const ctx = createFakeContext();
    const form = await commands.formView(ctx, 'new', {});
    expect(names(form)).toContain('steps');
    expect(form?.locale).toBe('zh-Hans');
    expect(form?.note).toBe('预估费用：约 US$0.10，参考图另计');
    expect(form?.fields.find((f) => f.name === 'model')?.choices).toEqual(['flex', 'pro']);
    const off = await commands.formView(ctx, 'new', { model: 'max' });
    expect(off?.note).toBeUndefined();
    expect(names(off)).not.toContain('steps');
  });

  it('has no view for the forms that never change', async () => {
    const { commands } = await commandsWith();
    expect(await commands.formView(createFakeContext(), 'edit', { prompt: 'x' })).toBeUndefined();
    expect(await commands.formView(createFakeContext(), 'remix:j1', {})).toBeUndefined();
  });
});
