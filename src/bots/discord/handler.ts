/**
 * The one interaction boundary, for the gateway and HTTP modes alike, in two steps. First the answer:
 * the interaction's first response, computed at once and returned — the HTTP route writes it as its
 * response, the gateway POSTs it to the callback route. Then the continuation: the work after it
 * (continuation.ts). Both always answer the user — even on a bug — and log what happened.
 * Each interaction id is acted on once, remembered in the store: a replayed interaction (a captured
 * signed request sent again, a gateway redelivery) starts no second job, even after a restart.
 */
import type { REST } from 'discord.js';
import {
  type APIInteractionResponse,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
} from 'discord-api-types/v10';
import { BUTTONS, type Commands, findCommand } from '../../commands/commands.ts';
import type { CommandContext } from '../../commands/context.ts';
import { bugText } from '../../commands/flux/messages.ts';
import { pickLocale } from '../../commands/i18n/locale.ts';
import type { Logger } from '../../core/logger.ts';
import { createBurstGate } from '../burst-gate.ts';
import { autocompleteChoices } from './autocomplete.ts';
import { EDIT_COMMAND } from './commands.ts';
import { createDiscordContext, type FirstResponse } from './context.ts';
import { type Continuation, deliveryOf, failureText, runContinuation } from './continuation.ts';
import { createEditMessages, type EditMessages } from './edit-message.ts';
import { commandArgs, jobOf } from './interaction-parts.ts';
import { quietResponse } from './outgoing.ts';
import { actorOf, modalValues, type RawInteraction } from './payload.ts';
import type { AttachmentAccess } from './references.ts';
import { modal, parseButtonId, privately } from './render.ts';
import { discordTexts } from './texts.ts';

export interface HandlerDeps {
  commands: Commands;
  rest: REST;
  logger: Logger;
  /** Store.claimOnce: true the first time a key is seen, durably. */
  claimOnce: (key: string, expiresAt: number) => Promise<boolean>;
  attachments: AttachmentAccess;
  now?: () => number;
}

/** An interaction's answer, and the step that follows it once the answer is out. */
export interface Answered {
  /** The first response (it pings nobody): the HTTP response body, or the callback's body. */
  response: APIInteractionResponse;
  /** The work after the answer: call it once the response was sent. Never rejects. */
  continue(): Promise<void>;
}

/** Answered, or refused as one already seen (nothing is to be sent for it). */
export type Handled = Answered | 'replayed';

/** What an interaction gets at once, and the work that follows (none for a ping or a form). */
export interface Plan {
  response: APIInteractionResponse;
  next?: Continuation;
}

/**
 * How long an interaction id is remembered. Its token works for 15 minutes and HTTP mode refuses
 * timestamps more than 5 minutes off, so an hour outlives every useful replay.
 */
export const SEEN_FOR_MS = 60 * 60_000;

/** The longest a burst of arrivals holds back the work of the ones already answered. */
const MAX_HOLD_MS = 250;
const DEFERRED = { type: InteractionResponseType.DeferredChannelMessageWithSource } as const;

export function createInteractionHandler(deps: HandlerDeps): (raw: RawInteraction) => Promise<Handled> {
  const { rest, logger } = deps;
  const now = deps.now ?? Date.now;
  const edits = createEditMessages({ rest, logger, now });
  // In a burst, every member gets their acknowledgement before anyone's work (cards, jobs) takes the CPU.
  const gate = createBurstGate(MAX_HOLD_MS);
  const answers = createAnswers(deps, edits, now);

  return async function handle(raw) {
    if (!(await deps.claimOnce(`discord:interaction:${raw.id}`, now() + SEEN_FOR_MS))) {
      logger.warn({ interaction: raw.id, type: raw.type }, 'interaction already handled; ignored');
      return 'replayed';
    }
    gate.arrived();
    const log = logger.child({
      interaction: raw.id,
      type: raw.type,
      user: raw.member?.user?.id ?? raw.user?.id,
      // A button or form names its job: a failure is logged with it.
      ...jobOf(raw),
    });
    const plan = await answers.answer(raw, log);
    const next = plan.next;
    return {
      response: quietResponse(plan.response),
      async continue() {
        if (!next) return;
        await gate.answered();
        await runContinuation(next, () => answers.context(raw, log, next.original), log);
      },
    };
  };
}

export interface Answers {
  /** The first response to an interaction, and the work that follows it. Never rejects. */
  answer(raw: RawInteraction, log: Logger): Promise<Plan>;
  /** The context the work runs with; `first` takes what the command answers with, while unanswered. */
  context(
    raw: RawInteraction,
    log: Logger,
    original: Continuation['original'],
    first?: FirstResponse,
  ): CommandContext;
}

export function createAnswers(
  deps: Omit<HandlerDeps, 'claimOnce'>,
  edits: EditMessages,
  now: () => number,
): Answers {
  const context: Answers['context'] = (raw, log, original, first) =>
    createDiscordContext(
      { rest: deps.rest, logger: log, now, attachments: deps.attachments },
      deliveryOf(raw, original, now()),
      actorOf(raw),
      first,
    );
  const later = (
    response: APIInteractionResponse,
    original: Continuation['original'],
    run: Continuation['run'],
  ): Plan => ({
    response,
    next: { original, run },
  });

  /**
   * Runs a command whose form (or private text) is the first response: decided before anything is sent.
   * `silent`: the answer when the command says nothing (a press is acknowledged like any other).
   */
  async function answeredBy(
    raw: RawInteraction,
    log: Logger,
    run: Continuation['run'],
    silent: APIInteractionResponse = { type: InteractionResponseType.DeferredMessageUpdate },
  ): Promise<Plan> {
    let taken: APIInteractionResponse | undefined;
    const first: FirstResponse = {
      take: (response) => {
        if (taken) return false;
        taken = response;
        return true;
      },
    };
    await run(context(raw, log, 'none', first));
    return { response: taken ?? silent };
  }

  async function plan(raw: RawInteraction, log: Logger): Promise<Plan> {
    const say = discordTexts(pickLocale(raw.locale));
    switch (raw.type) {
      case InteractionType.Ping:
        return { response: { type: InteractionResponseType.Pong } };
      case InteractionType.ApplicationCommandAutocomplete: {
        const choices = autocompleteChoices(raw, deps.commands);
        return {
          response: { type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices } },
        };
      }
      case InteractionType.ApplicationCommand:
        {
          const command = findCommand(raw.data?.name);
          if (command) {
            const args = commandArgs(raw);
            const run: Continuation['run'] = async (ctx) => {
              await deps.commands.run(command.data.name, ctx, args);
            };
            // Asked before answering: a private answer must be the first, not follow a public "thinking…".
            const check = async () =>
              deps.commands.check(command.data.name, context(raw, log, 'deferred'), args);
            // The check failing (the store down) is no answer: the command checks itself after, as before.
            const verdict = await check().catch(
              (err: unknown) => void log.warn({ err }, 'could not check the command before answering'),
            );
            if (typeof verdict === 'object') return { response: privately(verdict.refused) };
            // A cost to confirm: the command runs now, and its private question is the answer.
            if (verdict === 'private')
              return answeredBy(raw, log, run, privately(bugText(pickLocale(raw.locale))));
            return later(
              command.data.private ? { ...DEFERRED, data: { flags: MessageFlags.Ephemeral } } : DEFERRED,
              'deferred',
              run,
            );
          }
        }
        if (raw.data?.name === EDIT_COMMAND) {
          const form = edits.open(raw);
          if (!form)
            return {
              response: privately(say.noImagesToEdit),
            };
          return { response: { type: InteractionResponseType.Modal, data: modal(form) } };
        }
        break;
      case InteractionType.MessageComponent: {
        const parsed = parseButtonId(raw.data?.custom_id ?? '');
        if (!parsed) return { response: privately(say.buttonGone) };
        const press: Continuation['run'] = (ctx) =>
          deps.commands.button(ctx, parsed.action, parsed.jobId, parsed.index);
        // Forms must be the first response; everything else acknowledges at once, silently.
        if (BUTTONS[parsed.action].data.opensForm) return answeredBy(raw, log, press);
        return later({ type: InteractionResponseType.DeferredMessageUpdate }, 'none', press);
      }
      case InteractionType.ModalSubmit: {
        const formId = (raw.data?.custom_id ?? '').replace(/^flux:form:/, '');
        return later(DEFERRED, 'deferred', async (ctx) => {
          const values = modalValues(raw);
          if (formId.startsWith('edit:')) {
            const channelId = raw.channel?.id ?? raw.channel_id ?? '';
            const refs = await edits.references(formId.slice('edit:'.length), channelId);
            if (!refs) {
              await ctx.replyPrivate(say.imagesOutOfReach);
              return;
            }
            await deps.commands.form(ctx, 'edit', values, refs);
            return;
          }
          await deps.commands.form(ctx, formId, values);
        });
      }
    }
    return { response: privately(say.unknownCommand) };
  }

  return {
    context,
    async answer(raw, log) {
      try {
        return await plan(raw, log);
      } catch (err) {
        return { response: privately(failureText(err, log, raw.locale)) };
      }
    },
  };
}
