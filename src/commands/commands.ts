/**
 * The command table: every slash command, button and form by the name the platforms carry (Discord's
 * `data.name` and custom_id, Slack's `/flux <word>` and action/callback ids, the CLI), and the one place
 * that answers a member's own mistakes privately. A bug is thrown on to the adapter's boundary.
 */
import type { ErrorCode } from '../core/errors.ts';
import { FluxError, ValidationError } from '../core/errors.ts';
import type { JobView } from '../core/job-types.ts';
import type { Reference } from '../core/request.ts';
import { cancelButton } from './buttons/cancel.ts';
import { confirmButton } from './buttons/confirm.ts';
import { deleteButton } from './buttons/delete.ts';
import { finalButton } from './buttons/final.ts';
import { remixButton } from './buttons/remix.ts';
import { rerollButton } from './buttons/reroll.ts';
import { retryButton } from './buttons/retry.ts';
import { useRefButton } from './buttons/use-ref.ts';
import type {
  ButtonCommand,
  Command,
  CommandArgs,
  CommandEnv,
  CommandName,
  FormCommand,
  FormKind,
} from './command.ts';
import type { ButtonAction, CommandContext, Form } from './context.ts';
import { flowTexts } from './flux/flow-texts.ts';
import { imageOf, isImageAction, splitImage } from './flux/image-actions.ts';
import { errorText } from './flux/messages.ts';
import { jobForActor, mayManage } from './flux/ownership.ts';
import type { FieldErrors } from './forms/check.ts';
import { editFormCommand, newFormCommand } from './forms/new-image.ts';
import { remixFormCommand } from './forms/remix.ts';
import { useRefFormCommand } from './forms/use-ref.ts';
import { localeOf } from './i18n/locale.ts';
import { memberLocale } from './member-locale.ts';
import { fluxCommand } from './slash/flux.ts';
import { adminCommand } from './slash/flux-admin.ts';
import { historyCommand } from './slash/flux-history.ts';
import { showCommand } from './slash/flux-show.ts';
import { usageCommand } from './slash/flux-usage.ts';

export const COMMANDS: Readonly<Record<CommandName, Command>> = {
  flux: fluxCommand,
  'flux-usage': usageCommand,
  'flux-admin': adminCommand,
  'flux-show': showCommand,
  'flux-history': historyCommand,
};

export const BUTTONS: Readonly<Record<ButtonAction, ButtonCommand>> = {
  cancel: cancelButton,
  reroll: rerollButton,
  remix: remixButton,
  'use-ref': useRefButton,
  delete: deleteButton,
  confirm: confirmButton,
  retry: retryButton,
  final: finalButton,
};

export const FORMS: Readonly<Record<FormKind, FormCommand>> = {
  new: newFormCommand,
  edit: editFormCommand,
  remix: remixFormCommand,
  ref: useRefFormCommand,
};

/** The slash command a platform named, or undefined when this version has none by that name. */
export function findCommand(name: string | undefined): Command | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name as CommandName] : undefined;
}

export interface Commands {
  /** Runs a slash command; resolves with the job it started, if any (undefined: answered privately). */
  run(name: CommandName, ctx: CommandContext, args?: CommandArgs): Promise<JobView | undefined>;
  /**
   * A slash command's arguments checked before the platform is answered (Command.check): the member's
   * mistake as its private answer (`refused`, in their language), else whether the answer is public or
   * private; undefined for a command that checks nothing first. A failure of the check itself is thrown.
   */
  check(name: CommandName, ctx: CommandContext, args?: CommandArgs): Promise<Verdict | undefined>;
  /**
   * A pressed button: the job is looked up as the actor may see it, and who may press it checked.
   * `index`: the one image of the job a per-image button is for.
   */
  button(ctx: CommandContext, action: ButtonAction, jobId: string, index?: number): Promise<void>;
  /** A submitted form `<kind>` or `<kind>:<jobId>`; `references` are what the platform already resolved. */
  form(
    ctx: CommandContext,
    formId: string,
    values: Record<string, string>,
    references?: Reference[],
  ): Promise<JobView | undefined>;
  /**
   * A submitted form's mistakes by field, in the member's language, without starting anything; undefined
   * when the form may go on to `form` (which answers anything else, a missing job included).
   */
  checkForm(
    ctx: CommandContext,
    formId: string,
    values: Record<string, string>,
  ): Promise<FieldErrors | undefined>;
  /**
   * Form `formId` as it reads for `values` entered so far (the values a submission would carry): for
   * opening it (`{}`), and for redrawing it where the platform can after a field marked `refreshes`
   * changed. Undefined for a form that never changes. A failure (the store down) is thrown.
   */
  formView(ctx: CommandContext, formId: string, values: Record<string, string>): Promise<Form | undefined>;
  /** Choices for a partly typed option of a slash command (Discord autocomplete). */
  autocomplete(
    name: string,
    option: string,
    partial: string,
    options?: Record<string, string | undefined>,
    /** The member's platform language tag: choice names are shown in it. */
    locale?: string,
  ): Array<{ name: string; value: string }>;
}

export type Verdict = 'public' | 'private' | { refused: string };

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

/** The command of a form id, `<kind>` or `<kind>:<jobId>` (one image: `remix:<jobId>@<index>`). */
function formOf(formId: string): { command?: FormCommand; target: { jobId?: string; index?: number } } {
  const colon = formId.indexOf(':');
  const kind = colon < 0 ? formId : formId.slice(0, colon);
  const { jobId, index } = splitImage(colon < 0 ? '' : formId.slice(colon + 1));
  const target = { ...(jobId ? { jobId } : {}), ...(index !== undefined ? { index } : {}) };
  return Object.hasOwn(FORMS, kind) ? { command: FORMS[kind as FormKind], target } : { target };
}

export function createCommands(deps: Omit<CommandEnv, 'now'> & { now?: () => number }): Commands {
  const env: CommandEnv = { ...deps, now: deps.now ?? Date.now };

  /** The member's own mistake in their words; undefined for anything else (a bug, for the adapter). */
  async function mistake(ctx: CommandContext, err: unknown): Promise<string | undefined> {
    if (err instanceof ValidationError || (err instanceof FluxError && PRIVATE_ANSWERS.has(err.code)))
      return errorText(err, await memberLocale(ctx, env.settings));
    return undefined;
  }

  /** Runs `fn`, answering the member's own mistakes privately; anything else goes up to the adapter. */
  async function guarded<T>(ctx: CommandContext, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      const text = await mistake(ctx, err);
      if (text === undefined) throw err;
      await ctx.replyPrivate(text);
      return undefined;
    }
  }

  return {
    async run(name, ctx, args = {}) {
      const command = findCommand(name);
      if (!command) throw new Error(`no command ${name}`);
      return guarded(ctx, () => command.execute(ctx, args, env));
    },

    async check(name, ctx, args = {}) {
      const command = findCommand(name);
      if (!command?.check) return undefined;
      try {
        return await command.check(ctx, args, env);
      } catch (err) {
        // The store being down is no mistake of the member's: thrown, so the adapter answers as before.
        if (err instanceof FluxError && err.code === 'STORE_UNAVAILABLE') throw err;
        const text = await mistake(ctx, err);
        if (text === undefined) throw err;
        return { refused: text };
      }
    },

    async button(ctx, action, jobId, index) {
      await guarded(ctx, async () => {
        const command = BUTTONS[action];
        const job = await jobForActor(env.jobs, jobId, ctx);
        // Only the per-image actions take an image, and only one the job has.
        if (index !== undefined && !isImageAction(action))
          throw new FluxError('JOB_NOT_FOUND', `${action} takes no image`);
        const image = index === undefined ? undefined : imageOf(job, index);
        if (!command.data.anyone && !mayManage(job, ctx)) {
          await ctx.replyPrivate(flowTexts(await memberLocale(ctx, env.settings)).onlyOwner(action));
          return;
        }
        await command.execute(ctx, job, env, image);
      });
    },

    form(ctx, formId, values, references = []) {
      return guarded(ctx, async () => {
        const { command, target } = formOf(formId);
        if (!command) throw new FluxError('JOB_NOT_FOUND', `form ${formId} unknown`);
        return command.execute(ctx, { ...target, values, references }, env);
      });
    },

    async checkForm(ctx, formId, values) {
      const { command, target } = formOf(formId);
      try {
        await command?.check?.(ctx, { ...target, values }, env);
        return undefined;
      } catch (err) {
        if (!(err instanceof ValidationError)) return undefined;
        return { [err.option]: errorText(err, await memberLocale(ctx, env.settings)) };
      }
    },

    async formView(ctx, formId, values) {
      const { command, target } = formOf(formId);
      return command?.view?.(ctx, { ...target, values }, env);
    },

    autocomplete(name, option, partial, options = {}, locale) {
      const language = localeOf(locale) ?? 'en';
      return findCommand(name)?.autocomplete?.(option, partial, options, env, language) ?? [];
    },
  };
}
