/**
 * The /flux use case: validate → record → queue → card, plus the buttons and forms that iterate on a
 * result. Platform-neutral: it speaks only to the CommandContext port and the jobs service.
 */
import { randomInt } from 'node:crypto';
import { budgetStates, checkBudgets, maxSafetyFor } from '../../core/budgets.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { FluxError, ValidationError } from '../../core/errors.ts';
import type { JobsService, JobView } from '../../core/job-types.ts';
import type { Logger } from '../../core/logger.ts';
import type { ModelCatalog } from '../../core/models.ts';
import { estimate, estimateImage, formatUsd, type Micros, type PriceTable } from '../../core/pricing.ts';
import {
  type GenerationRequest,
  type Reference,
  type RequestInput,
  type RequestPolicy,
  validateRequest,
} from '../../core/request.ts';
import { runAdmin, settingsFor } from '../admin.ts';
import type { ButtonAction, CommandContext } from '../context.ts';
import { runUsage, type UsageStore } from '../usage.ts';
import { SIZE_PRESETS } from './definition.ts';
import { deleteResult } from './delete.ts';
import { parseForm, remixForm, remixInput, toInput } from './forms.ts';
import { cardFor, errorText, queuedStatus, sizeLabel, waitingStatus } from './messages.ts';
import { jobForActor, mayManage } from './ownership.ts';
import { parseFluxText } from './parse.ts';
import type { LiveContexts } from './sink.ts';

export interface FluxCommandsDeps {
  jobs: JobsService;
  catalog: ModelCatalog;
  prices: PriceTable;
  logger: Logger;
  live: LiveContexts;
  /** Settings, budgets and the ledger of each server/workspace. */
  settings: UsageStore;
  /** The provider account's balance, for `/flux-admin show`; absent when the provider keeps none. */
  credits?: () => Promise<Micros | undefined>;
  now?: () => number;
}

export interface FluxCommands {
  /** /flux with its options; `refs` are `--ref` values or attachment links the context resolves. */
  run(
    ctx: CommandContext,
    input: RequestInput,
    refs?: string[],
    parentId?: string,
  ): Promise<JobView | undefined>;
  /** /flux as one line of text (Slack, CLI). `help` answers with the syntax. */
  runText(ctx: CommandContext, text: string): Promise<JobView | undefined>;
  button(ctx: CommandContext, action: ButtonAction, jobId: string): Promise<void>;
  /** A submitted form: `remix:<jobId>`, `ref:<jobId>` or `edit` (with the message's references). */
  form(
    ctx: CommandContext,
    formId: string,
    values: Record<string, string>,
    references?: Reference[],
  ): Promise<JobView | undefined>;
  /** Size presets for autocomplete, with megapixels and the estimate for the chosen model. */
  sizeChoices(partial: string, model?: string): Array<{ name: string; value: string }>;
  /** `/flux-usage`: spend, budgets left and a chart, privately. */
  usage(ctx: CommandContext): Promise<void>;
  /** `/flux-admin <command>`: settings and budgets (admins only). */
  admin(ctx: CommandContext, text: string): Promise<void>;
}

/** Failures that are the user's to know about, answered privately rather than as a bug. */
const PRIVATE_ANSWERS = new Set<ErrorCode>([
  'JOB_NOT_FOUND',
  'JOB_NOT_CANCELLABLE',
  'CHANNEL_UNAVAILABLE',
  'BUDGET_EXCEEDED',
  'CONFIRMATION_EXPIRED',
  'NOT_ADMIN',
  'STORE_UNAVAILABLE',
]);

export function createFluxCommands(deps: FluxCommandsDeps): FluxCommands {
  const { jobs, catalog, prices, live } = deps;
  const now = deps.now ?? Date.now;
  const policy = (ctx: CommandContext): RequestPolicy => {
    const s = settingsFor(deps.settings, ctx);
    const p: RequestPolicy = {};
    if (s.allowedModels) p.allowedModels = s.allowedModels;
    if (s.defaultModel) p.defaultModel = s.defaultModel;
    if (s.defaultSize) p.defaultSize = s.defaultSize;
    const max = maxSafetyFor(s, ctx.channelId);
    if (max !== undefined) p.maxSafety = max;
    return p;
  };

  async function submit(
    ctx: CommandContext,
    request: GenerationRequest,
    parentId?: string,
  ): Promise<JobView> {
    const origin = {
      platform: ctx.platform,
      userId: ctx.actor.id,
      userName: ctx.actor.name,
    } as JobView['origin'];
    if (ctx.workspaceId) origin.workspaceId = ctx.workspaceId;
    if (ctx.channelId) origin.channelId = ctx.channelId;
    // The card goes up before the job exists: if the platform refuses it (bot not in the channel), no
    // job was queued and nothing can be spent on an image with nowhere to go.
    const draft: JobView = {
      id: '',
      state: 'queued',
      request,
      origin,
      delivery: {},
      estimateMicros: estimate(request, prices),
      createdAt: now(),
      tasks: [],
    };
    const settings = settingsFor(deps.settings, ctx);
    // A refusal is usually a budget: say so privately before any public card. jobs.create checks again,
    // atomically, so this early look only saves a card that would have to say "not queued".
    if (settings.budgets.length)
      checkBudgets(budgetStates(settings, origin, deps.settings, now()), draft.estimateMicros);
    await ctx.showCard(cardFor(draft, catalog, 'Queued', now()));
    const confirm = draft.estimateMicros > settings.confirmThresholdMicros;
    const input = {
      request,
      origin,
      delivery: ctx.delivery(),
      ...(parentId ? { parentId } : {}),
      ...(confirm ? { awaitConfirmation: true } : {}),
    };
    let job: JobView;
    try {
      job = jobs.create(input);
    } catch (err) {
      await ctx.showCard({
        ...cardFor(draft, catalog, 'Not queued', now()),
        summary: 'Not queued: nothing was charged (see the private message)',
      });
      throw err;
    }
    live.set(job.id, ctx);
    await live.enqueue(job.id, async () => {
      const current = jobs.get(job.id) ?? job;
      const held = jobs.holdReason();
      const status =
        current.state === 'awaiting_confirmation'
          ? 'Waiting for your confirmation · expires in 5 min'
          : held && current.state === 'queued'
            ? waitingStatus(held)
            : queuedStatus(jobs.position(job.id) ?? 1);
      await ctx.showCard(cardFor(current, catalog, status, now()));
      jobs.updateDelivery(job.id, { ...ctx.delivery(), cardShown: true });
    });
    return job;
  }

  /** Runs `fn`, answering bad input privately; anything else goes up to the adapter's boundary. */
  async function guarded<T>(ctx: CommandContext, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ValidationError || (err instanceof FluxError && PRIVATE_ANSWERS.has(err.code))) {
        await ctx.replyPrivate(errorText(err));
        return undefined;
      }
      throw err;
    }
  }

  const commands: FluxCommands = {
    run(ctx, input, refs = [], parentId) {
      return guarded(ctx, async () => {
        const resolved = refs.length ? await ctx.resolveReferences(refs) : [];
        const request = validateRequest(
          { ...input, references: [...(input.references ?? []), ...resolved] },
          catalog,
          policy(ctx),
        );
        return submit(ctx, request, parentId);
      });
    },

    async runText(ctx, text) {
      if (/^\s*help\s*$/i.test(text)) {
        await ctx.replyPrivate(helpText());
        return undefined;
      }
      return guarded(ctx, async () => {
        const { input, refs } = parseFluxText(text);
        return commands.run(ctx, input, refs);
      });
    },

    async button(ctx, action, jobId) {
      await guarded(ctx, async () => {
        const job = jobForActor(jobs, jobId, ctx);
        if (!mayManage(job, ctx) && action !== 'use-ref' && action !== 'remix' && action !== 'confirm') {
          await ctx.replyPrivate(
            `Only the person who asked for this image or an admin can ${action === 'cancel' ? 'cancel' : action} it.`,
          );
          return;
        }
        switch (action) {
          case 'cancel':
            jobs.cancel(jobId);
            return;
          case 'reroll': {
            const request = validateRequest(
              toInput(job.request, { seed: randomInt(0, 2 ** 32) }),
              catalog,
              policy(ctx),
            );
            await submit(ctx, request, job.id);
            return;
          }
          case 'remix':
            await ctx.openForm(remixForm(job));
            return;
          case 'use-ref':
            await ctx.openForm({
              id: `ref:${job.id}`,
              title: 'Use as reference',
              fields: [
                { name: 'prompt', label: 'What to make with this image', multiline: true, required: true },
              ],
            });
            return;
          case 'delete':
            await deleteResult(ctx, live.contextFor(job), job, { jobs, catalog, logger: deps.logger });
            return;
          case 'confirm':
            if (ctx.actor.id !== job.origin.userId) {
              await ctx.replyPrivate('Only the person who asked for this image can confirm it.');
              return;
            }
            jobs.confirm(jobId);
            return;
        }
      });
    },

    form(ctx, formId, values, references = []) {
      return guarded(ctx, async () => {
        const [kind, jobId] = formId.split(':');
        if (kind === 'edit' || kind === 'new') {
          const refs = values.options?.trim() ? parseFluxText(values.options).refs : [];
          return commands.run(ctx, { ...parseForm(values), references }, refs);
        }
        const job = jobForActor(jobs, jobId, ctx);
        if (kind === 'remix') {
          // `--ref` typed in the options goes through the platform's checks like any other.
          return commands.run(ctx, remixInput(job, values, catalog), typedRefs(values), job.id);
        }
        if (kind === 'ref') {
          const urls = Array.isArray(job.delivery.resultUrls) ? (job.delivery.resultUrls as string[]) : [];
          // Never a generation without the reference the member asked for (and paid for).
          if (!urls.length)
            throw new ValidationError(
              'REFERENCE_INVALID',
              'reference',
              'a result whose images the bot can still read',
              'a result with no images left',
            );
          const input: RequestInput = {
            prompt: values.prompt ?? '',
            model: job.request.model,
            format: job.request.format,
          };
          return commands.run(ctx, input, urls, job.id);
        }
        throw new FluxError('JOB_NOT_FOUND', `form ${formId} unknown`);
      });
    },

    usage: (ctx) => guarded(ctx, () => runUsage(ctx, deps.settings, now())).then(() => undefined),
    admin: (ctx, text) =>
      guarded(ctx, () =>
        runAdmin(ctx, deps.settings, text, {
          ledger: deps.settings,
          ...(deps.credits ? { credits: deps.credits } : {}),
          now,
        }),
      ).then(() => undefined),

    sizeChoices(partial, model) {
      const needle = partial.trim().toLowerCase();
      const choices = SIZE_PRESETS.filter(
        (p) => !needle || p.value.includes(needle) || p.label.toLowerCase().includes(needle),
      ).map((p) => {
        const [w, h] = p.value.split('x').map(Number) as [number, number];
        const price = estimateImage({ ...sampleRequest(model), width: w, height: h }, prices);
        return { name: `${p.label} · ${sizeLabel(w, h)} · ~${formatUsd(price)}`, value: p.value };
      });
      return choices.slice(0, 25);
    },
  };

  function sampleRequest(model?: string): GenerationRequest {
    const id = model && model in catalog ? (model as GenerationRequest['model']) : 'pro';
    return {
      prompt: '',
      model: id,
      width: 1024,
      height: 1024,
      seed: 0,
      count: 1,
      safety: 2,
      format: 'jpeg',
      upsample: true,
      references: [],
    };
  }

  return commands;
}

/** `--ref` links typed in a form's options field. */
function typedRefs(values: Record<string, string>): string[] {
  return values.options?.trim() ? parseFluxText(values.options).refs : [];
}

export function helpText(): string {
  return [
    '*/flux* makes an image with FLUX.2 and posts it in a thread with what it cost.',
    '`/flux <prompt> [--model pro|max|flex|klein-4b|klein-9b] [--size 1536x1024|16:9] [--seed 42] [--count 1-4]`',
    '`        [--steps 1-50] [--guidance 1.5-10] (flex only) [--safety 0-5] [--format jpeg|png|webp] [--no-upsample] [--ref <image link>]…`',
    'Examples:',
    '• `/flux a red fox in the snow, golden hour`',
    '• `/flux "a lighthouse at night" --model max --size 16:9 --count 2`',
    '• `/flux make it watercolor --ref https://example.com/photo.jpg`',
    '`/flux` alone opens a form. Sizes are multiples of 16, at most 4 MP; an aspect ratio means about 1 MP.',
  ].join('\n');
}
