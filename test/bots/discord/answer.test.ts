/**
 * The interaction boundary's two steps on their own, with no Discord behind them: what is answered at
 * once (the first response, a returned value), and what is left for the continuation.
 */
import { REST } from 'discord.js';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runContinuation } from '../../../src/bots/discord/continuation.ts';
import { createEditMessages } from '../../../src/bots/discord/edit-message.ts';
import { createAnswers, createInteractionHandler } from '../../../src/bots/discord/handler.ts';
import { attachmentAccess } from '../../../src/bots/discord/references.ts';
import type { Commands, Verdict } from '../../../src/commands/commands.ts';
import type { CommandContext } from '../../../src/commands/context.ts';
import { FluxError } from '../../../src/core/errors.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createHttp } from '../../../src/core/providers/http.ts';
import { autocomplete, button, messageCommand, modalSubmit, slash } from '../../support/discord.ts';

const log = silentLogger();
const now = () => 1_700_000_000_000;
// Never reached: an answer is computed without a request to Discord.
const rest = new REST({ api: 'http://127.0.0.1:9' }).setToken('unused');
const http = createHttp();
afterAll(() => http.close());
const attachments = attachmentAccess('http://127.0.0.1:9', http);

function answersWith(commands: Partial<Commands>) {
  return createAnswers(
    { commands: commands as Commands, rest, logger: log, attachments },
    createEditMessages({ rest, logger: log, now }),
    now,
  );
}

const EPHEMERAL = 64;

describe('the answer to an interaction', () => {
  it('is a pong for a ping, with nothing after it', async () => {
    const plan = await answersWith({}).answer({ ...slash({}), type: 1 }, log);
    expect(plan).toEqual({ response: { type: 1 } });
  });

  it("is the command's choices for the focused option, computed for the model already picked", async () => {
    const choices = vi.fn(() => [{ name: 'Wide · 1536×1024', value: '1536x1024' }]);
    const plan = await answersWith({ autocomplete: choices }).answer(autocomplete('15', 'max'), log);
    expect(plan).toEqual({
      response: { type: 8, data: { choices: [{ name: 'Wide · 1536×1024', value: '1536x1024' }] } },
    });
    expect(choices).toHaveBeenCalledWith('flux', 'size', '15', { model: 'max' });
  });

  it('asks about the option actually focused (the command decides it has nothing to offer)', async () => {
    const choices = vi.fn(() => []);
    const raw = autocomplete('x');
    raw.data = { name: 'flux', type: 1, options: [{ name: 'prompt', type: 3, value: 'x', focused: true }] };
    const plan = await answersWith({ autocomplete: choices }).answer(raw, log);
    expect(plan).toEqual({ response: { type: 8, data: { choices: [] } } });
    expect(choices).toHaveBeenCalledWith('flux', 'prompt', 'x', { model: undefined });
  });

  it('asks the command to check /flux first, defers it publicly, and leaves the work to the continuation', async () => {
    const run = vi.fn(async () => undefined);
    const check = vi.fn(async (): Promise<Verdict> => 'public');
    const plan = await answersWith({ run, check }).answer(slash({ prompt: 'a fox', size: '16:9' }), log);
    expect(check).toHaveBeenCalledWith('flux', expect.anything(), {
      input: { prompt: 'a fox', size: '16:9' },
    });
    expect(plan.response).toEqual({ type: 5 });
    expect(plan.next?.original).toBe('deferred');
    expect(run).not.toHaveBeenCalled();
    const ctx = {} as CommandContext;
    await plan.next?.run(ctx);
    expect(run).toHaveBeenCalledWith('flux', ctx, { input: { prompt: 'a fox', size: '16:9' } });
  });

  it('answers /flux with the check’s refusal, privately, as its first response, with nothing after it', async () => {
    const run = vi.fn(async () => undefined);
    const check = vi.fn(
      async (): Promise<Verdict> => ({ refused: 'Nothing was queued or charged: `size`.' }),
    );
    const plan = await answersWith({ run, check }).answer(slash({ prompt: 'a fox', size: 'huge' }), log);
    expect(plan).toEqual({
      response: { type: 4, data: { content: 'Nothing was queued or charged: `size`.', flags: EPHEMERAL } },
    });
    expect(run).not.toHaveBeenCalled();
  });

  it('runs /flux at once when its answer is private (a cost to confirm): the question is the first response', async () => {
    const run = vi.fn(async (_name: string, ctx: CommandContext) => {
      await ctx.replyPrivate('Confirm ~$0.50?');
      return undefined;
    });
    const check = vi.fn(async (): Promise<Verdict> => 'private');
    const plan = await answersWith({ run, check }).answer(slash({ prompt: 'a fox', model: 'max' }), log);
    expect(plan).toEqual({ response: { type: 4, data: { content: 'Confirm ~$0.50?', flags: EPHEMERAL } } });
  });

  it('defers /flux as before when the check itself fails (the store down): the command checks after', async () => {
    const run = vi.fn(async () => undefined);
    const check = vi.fn(async (): Promise<Verdict> => {
      throw new FluxError('STORE_UNAVAILABLE', 'database is down');
    });
    const plan = await answersWith({ run, check }).answer(slash({ prompt: 'a fox' }), log);
    expect(plan.response).toEqual({ type: 5 });
    await plan.next?.run({} as CommandContext);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('defers /flux-usage privately', async () => {
    const raw = slash({});
    raw.data = { name: 'flux-usage', type: 1 };
    const plan = await answersWith({}).answer(raw, log);
    expect(plan.response).toEqual({ type: 5, data: { flags: EPHEMERAL } });
    expect(plan.next?.original).toBe('deferred');
  });

  it('acknowledges a Cancel press silently, with no message of its own', async () => {
    const plan = await answersWith({}).answer(button('flux:cancel:job-1'), log);
    expect(plan.response).toEqual({ type: 6 });
    expect(plan.next?.original).toBe('none');
  });

  it('is the command’s own form for Remix, with nothing after it', async () => {
    const press = vi.fn(async (ctx: CommandContext) => {
      await ctx.openForm({
        id: 'remix:job-1',
        title: 'Remix',
        fields: [{ name: 'prompt', label: 'Prompt' }],
      });
    });
    const plan = await answersWith({ button: press }).answer(button('flux:remix:job-1'), log);
    expect(plan.next).toBeUndefined();
    expect(plan.response).toMatchObject({
      type: 9,
      data: { custom_id: 'flux:form:remix:job-1', title: 'Remix' },
    });
    expect(press).toHaveBeenCalledWith(expect.anything(), 'remix', 'job-1', undefined);
  });

  it('passes the image a per-image button is for', async () => {
    const press = vi.fn(async (ctx: CommandContext) => {
      await ctx.openForm({
        id: 'remix:job-1@2',
        title: 'Remix',
        fields: [{ name: 'prompt', label: 'Prompt' }],
      });
    });
    const plan = await answersWith({ button: press }).answer(button('flux:remix@2:job-1'), log);
    expect(plan.response).toMatchObject({ type: 9, data: { custom_id: 'flux:form:remix:job-1@2' } });
    expect(press).toHaveBeenCalledWith(expect.anything(), 'remix', 'job-1', 2);
  });

  it('is the command’s private refusal for a Remix it will not open', async () => {
    const press = vi.fn(async (ctx: CommandContext) => ctx.replyPrivate('This image is no longer known.'));
    const plan = await answersWith({ button: press }).answer(button('flux:remix:job-1'), log);
    expect(plan).toEqual({
      response: { type: 4, data: { content: 'This image is no longer known.', flags: EPHEMERAL } },
    });
  });

  it('is a private error, saying nothing was charged, when the command behind a form fails', async () => {
    const press = vi.fn(async () => {
      throw new TypeError('undefined is not a function');
    });
    const plan = await answersWith({ button: press }).answer(button('flux:use-ref:job-1'), log);
    expect(plan).toEqual({
      response: {
        type: 4,
        data: {
          content: 'Something went wrong on our side — nothing was charged. Please try again.',
          flags: EPHEMERAL,
        },
      },
    });
  });

  it('refuses a button it did not make, and an interaction type it does not know, privately', async () => {
    const answers = answersWith({});
    expect(await answers.answer(button('someone-else:thing'), log)).toEqual({
      response: { type: 4, data: { content: 'This button is no longer active.', flags: EPHEMERAL } },
    });
    expect(await answers.answer({ ...slash({}), type: 42 }, log)).toEqual({
      response: {
        type: 4,
        data: { content: 'This command is not known to this bot version.', flags: EPHEMERAL },
      },
    });
  });

  it('opens the edit form for a message with images, and says so privately for one without', async () => {
    const answers = answersWith({});
    const withImage = messageCommand([
      { id: '1', filename: 'a.png', url: 'https://cdn.discordapp.com/a.png', content_type: 'image/png' },
    ]);
    expect((await answers.answer(withImage, log)).response).toMatchObject({
      type: 9,
      data: { title: 'Edit with FLUX' },
    });
    expect((await answers.answer(messageCommand([]), log)).response).toMatchObject({
      type: 4,
      data: { flags: EPHEMERAL },
    });
  });

  it('defers a form submission publicly: its references are looked up after the answer', async () => {
    const form = vi.fn(async () => undefined);
    const plan = await answersWith({ form }).answer(
      modalSubmit('flux:form:remix:job-1', { prompt: 'x' }),
      log,
    );
    expect(plan.response).toEqual({ type: 5 });
    expect(form).not.toHaveBeenCalled();
  });
});

describe('the handler', () => {
  it('answers an interaction id once; the same id again is "replayed", with nothing to send', async () => {
    const seen = new Set<string>();
    const handle = createInteractionHandler({
      commands: {} as Commands,
      rest,
      logger: log,
      attachments,
      now,
      claimOnce: async (key) => !seen.has(key) && Boolean(seen.add(key)),
    });
    const ping = { ...slash({}), type: 1 };
    const first = await handle(ping);
    expect(first).not.toBe('replayed');
    expect(first !== 'replayed' && first.response).toEqual({ type: 1 });
    expect(await handle(ping)).toBe('replayed');
  });

  it('adds allowed_mentions to a private answer, so a quoted @everyone pings nobody', async () => {
    const handle = createInteractionHandler({
      commands: {} as Commands,
      rest,
      logger: log,
      attachments,
      claimOnce: async () => true,
    });
    const handled = await handle(button('@everyone'));
    expect(handled !== 'replayed' && handled.response).toMatchObject({
      type: 4,
      data: { allowed_mentions: { parse: [] } },
    });
  });
});

describe('the continuation', () => {
  const ctxWith = (replyPrivate: CommandContext['replyPrivate']) => ({ replyPrivate }) as CommandContext;

  it('tells the member privately when the command fails, with the truth about the charge', async () => {
    const replies: string[] = [];
    const ctx = ctxWith(async (text) => void replies.push(text));
    await runContinuation(
      {
        original: 'deferred',
        run: async () => {
          throw new FluxError('PROVIDER_UNAVAILABLE', 'timed out after sending', { charge: 'unknown' });
        },
      },
      () => ctx,
      log,
    );
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('It may have been charged');
  });

  it('never rejects, even when the member cannot be told', async () => {
    const ctx = ctxWith(async () => {
      throw new Error('Discord is down');
    });
    await expect(
      runContinuation(
        {
          original: 'none',
          run: async () => {
            throw new Error('bug');
          },
        },
        () => ctx,
        log,
      ),
    ).resolves.toBeUndefined();
  });
});
