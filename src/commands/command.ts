/**
 * What a command is: typed data plus a handler (`{ data, execute } satisfies Command`, the discord.js
 * guide's shape), one module each. The handler speaks only to the CommandContext port and the services
 * in `CommandEnv`; the table (commands.ts) finds it by name and answers the member's own mistakes.
 */

import type { JobsService, JobView } from '../core/job-types.ts';
import type { Logger } from '../core/logger.ts';
import type { ModelCatalog } from '../core/models.ts';
import type { Micros, PriceTable } from '../core/pricing.ts';
import type { Reference } from '../core/request.ts';
import type { ButtonAction, CommandContext, Form } from './context.ts';
import type { FluxInput } from './flux/definition.ts';
import type { Locale } from './i18n/locale.ts';
import type { LiveContexts } from './live-contexts.ts';
import type { UsageStore } from './usage.ts';

/** The services every command may use; built once by the composition root. */
export interface CommandEnv {
  jobs: JobsService;
  catalog: ModelCatalog;
  prices: PriceTable;
  logger: Logger;
  live: LiveContexts;
  /** Settings, budgets and the ledger of each server/workspace. */
  settings: UsageStore;
  /** The provider account's balance, for `/flux-admin show`; absent when the provider keeps none. */
  credits?: () => Promise<Micros | undefined>;
  now: () => number;
}

/** What a platform hands a slash command: typed options (Discord) or the text after its name. */
export interface CommandArgs {
  /** The words after the command (Slack, the CLI, `/flux-admin`'s `command` option). */
  text?: string;
  /** Options the platform already typed (Discord's /flux options). Wins over `text`. */
  input?: FluxInput;
  /** `--ref` values or attachment links the context resolves. */
  refs?: string[];
}

export type CommandName = 'flux' | 'flux-usage' | 'flux-admin' | 'flux-show' | 'flux-history';

export interface Command {
  data: {
    name: CommandName;
    description: string;
    /** Only the actor sees the answer (Discord defers it ephemerally). */
    private: boolean;
    /** The answer depends on the actor's roles: look them up before building the context (Slack). */
    roles: boolean;
    /**
     * What the text after its word must look like for Slack's `/flux <word> …` to mean this command;
     * anything else is a prompt that happens to start with the word. Absent: any text.
     */
    textPattern?: RegExp;
  };
  execute(ctx: CommandContext, args: CommandArgs, env: CommandEnv): Promise<JobView | undefined>;
  /**
   * What the arguments come to before the platform is answered (Discord answers first, then works), so
   * that a private answer is the first one and never follows a public "thinking…": a member's mistake is
   * thrown; 'private' means the command's whole answer is private (a cost to confirm). Reads only.
   */
  check?(ctx: CommandContext, args: CommandArgs, env: CommandEnv): Promise<'public' | 'private'>;
  /** Choices for a partly typed option (Discord autocomplete); `options` are the others typed so far. */
  autocomplete?(
    option: string,
    partial: string,
    options: Record<string, string | undefined>,
    env: CommandEnv,
    locale?: Locale,
  ): Array<{ name: string; value: string }>;
}

/**
 * A button on a card or a result: `action:jobId` on the wire, the job looked up (and checked) first.
 * `index` is the one image of the job it was pressed for (per-image buttons), already checked to exist.
 */
export interface ButtonCommand {
  data: {
    action: ButtonAction;
    /** Anyone who may see the job may press it; otherwise only its requester or an admin. */
    anyone: boolean;
    /** It answers with a form, which must be the interaction's first response. */
    opensForm: boolean;
  };
  execute(ctx: CommandContext, job: JobView, env: CommandEnv, index?: number): Promise<void>;
}

export type FormKind = 'new' | 'edit' | 'remix' | 'ref';

/** A submitted form: `<kind>` or `<kind>:<jobId>` round-trips in the form id. */
export interface FormCommand {
  data: { kind: FormKind };
  execute(
    ctx: CommandContext,
    /** `index`: the one image of the job a per-image form is for (checked by the form against the job). */
    submission: { jobId?: string; index?: number; values: Record<string, string>; references: Reference[] },
    env: CommandEnv,
  ): Promise<JobView | undefined>;
  /**
   * The form as it reads for what was entered so far, for a form that changes with the member's choices
   * (fields marked `refreshes`): the new-image form shows only the fields its model takes, and the
   * estimate. Absent for a form that never changes. Reads only.
   */
  view?(
    ctx: CommandContext,
    entered: { jobId?: string; index?: number; values: Record<string, string> },
    env: CommandEnv,
  ): Promise<Form>;
  /** Throws the ValidationError `execute` would meet, creating nothing (forms/check.ts). */
  check?(
    ctx: CommandContext,
    submission: { jobId?: string; index?: number; values: Record<string, string> },
    env: CommandEnv,
  ): Promise<void>;
}
