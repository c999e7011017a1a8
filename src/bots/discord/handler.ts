/**
 * The one interaction boundary, for the gateway and HTTP modes alike: it acknowledges first, turns the
 * raw payload into a command, and always answers the user — even on a bug — and logs what happened.
 * Each interaction id is acted on once, remembered in the store: a replayed interaction (a captured
 * signed request sent again, a gateway redelivery) starts no second job, even after a restart.
 */
import type { REST } from 'discord.js';
import type { CommandArgs } from '../../commands/command.ts';
import { type Commands, findCommand } from '../../commands/commands.ts';
import type { CommandContext } from '../../commands/context.ts';
import { errorText } from '../../commands/flux/messages.ts';
import { FluxError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { createBurstGate } from '../burst-gate.ts';
import { EDIT_COMMAND, FLUX_COMMAND } from './commands.ts';
import { createDiscordContext, type DiscordDelivery, type Respond } from './context.ts';
import { DEFAULT_UPLOAD_LIMIT, TOKEN_LIFETIME_MS } from './delivery.ts';
import { createEditMessages } from './edit-message.ts';
import { quietResponse } from './outgoing.ts';
import { actorOf, modalValues, optionsToInput, type RawInteraction } from './payload.ts';
import type { AttachmentAccess } from './references.ts';
import { parseButtonId } from './render.ts';

export interface HandlerDeps {
  commands: () => Commands;
  rest: REST;
  logger: Logger;
  /** Store.claimOnce: true the first time a key is seen, durably. */
  claimOnce: (key: string, expiresAt: number) => boolean;
  attachments: AttachmentAccess;
  now?: () => number;
}

/** What became of an interaction: acted on, or refused as one already seen (nothing sent for it). */
export type Handled = 'handled' | 'replayed';

/**
 * How long an interaction id is remembered. Its token works for 15 minutes and HTTP mode refuses
 * timestamps more than 5 minutes off, so an hour outlives every useful replay.
 */
export const SEEN_FOR_MS = 60 * 60_000;

const EPHEMERAL = 64;
/** The longest a burst of arrivals holds back the work of the ones already answered. */
const MAX_HOLD_MS = 250;
const THREAD_TYPES = new Set([10, 11, 12]);

export function createInteractionHandler(
  deps: HandlerDeps,
): (raw: RawInteraction, send: Respond) => Promise<Handled> {
  const { rest, logger } = deps;
  const now = deps.now ?? Date.now;
  const edits = createEditMessages({ rest, logger, now });
  // In a burst, every member gets their acknowledgement before anyone's work (cards, jobs) takes the CPU.
  const gate = createBurstGate(MAX_HOLD_MS);

  return async function handle(raw, send) {
    if (!deps.claimOnce(`discord:interaction:${raw.id}`, now() + SEEN_FOR_MS)) {
      logger.warn({ interaction: raw.id, type: raw.type }, 'interaction already handled; ignored');
      return 'replayed';
    }
    await act(raw, send);
    return 'handled';
  };

  async function act(raw: RawInteraction, send: Respond): Promise<void> {
    gate.arrived();
    let responded = false;
    const respond: Respond = async (body) => {
      if (responded) return;
      responded = true;
      await send(quietResponse(body));
      await gate.answered();
    };
    const log = logger.child({
      interaction: raw.id,
      type: raw.type,
      user: raw.member?.user?.id ?? raw.user?.id,
      // A button or form names its job: a failure is logged with it.
      ...jobOf(raw),
    });
    let ctx: CommandContext | undefined;
    const context = (original: DiscordDelivery['original']) => {
      ctx = createDiscordContext(
        { rest, logger: log, now, attachments: deps.attachments },
        delivery(raw, original, now()),
        actorOf(raw),
        {
          send: respond,
          done: () => responded,
        },
      );
      return ctx;
    };
    try {
      switch (raw.type) {
        case 1:
          await respond({ type: 1 });
          return;
        case 4: {
          const options = raw.data?.options ?? [];
          const focused = options.find((o) => o.focused);
          const model = options.find((o) => o.name === 'model')?.value;
          const choices = focused
            ? deps.commands().autocomplete(raw.data?.name ?? '', focused.name, String(focused.value ?? ''), {
                model: model === undefined ? undefined : String(model),
              })
            : [];
          await respond({ type: 8, data: { choices } });
          return;
        }
        case 2: {
          const command = findCommand(raw.data?.name);
          if (command) {
            await respond(command.data.private ? { type: 5, data: { flags: EPHEMERAL } } : { type: 5 });
            await deps.commands().run(command.data.name, context('deferred'), commandArgs(raw));
            return;
          }
          if (raw.data?.name === EDIT_COMMAND) {
            const form = edits.open(raw);
            if (!form) {
              await respond({
                type: 4,
                data: {
                  content: 'That message has no images to edit. Pick a message with an image attached.',
                  flags: EPHEMERAL,
                },
              });
              return;
            }
            await context('none').openForm(form);
            return;
          }
          break;
        }
        case 3: {
          const parsed = parseButtonId(raw.data?.custom_id ?? '');
          if (!parsed) {
            await respond({
              type: 4,
              data: { content: 'This button is no longer active.', flags: EPHEMERAL },
            });
            return;
          }
          // Forms must be the first response; everything else acknowledges at once, silently.
          if (parsed.action !== 'remix' && parsed.action !== 'use-ref') await respond({ type: 6 });
          await deps.commands().button(context('none'), parsed.action, parsed.jobId);
          return;
        }
        case 5: {
          const formId = (raw.data?.custom_id ?? '').replace(/^flux:form:/, '');
          await respond({ type: 5 });
          const values = modalValues(raw);
          if (formId.startsWith('edit:')) {
            const channelId = raw.channel?.id ?? raw.channel_id ?? '';
            const refs = await edits.references(formId.slice('edit:'.length), channelId);
            if (!refs) {
              await context('deferred').replyPrivate(
                'The images of that message are out of reach now. Use "Edit with FLUX" on the message again.',
              );
              return;
            }
            await deps.commands().form(context('deferred'), 'edit', values, refs);
            return;
          }
          await deps.commands().form(context('deferred'), formId, values);
          return;
        }
      }
      await respond({
        type: 4,
        data: { content: 'This command is not known to this bot version.', flags: EPHEMERAL },
      });
    } catch (err) {
      const e = err instanceof FluxError ? err : undefined;
      log.error({ err, code: e?.code }, 'interaction failed');
      const text = e
        ? errorText(e)
        : 'Something went wrong on our side — nothing was charged. Please try again.';
      try {
        if (!responded) await respond({ type: 4, data: { content: text, flags: EPHEMERAL } });
        else await (ctx ?? context('none')).replyPrivate(text);
      } catch (answerErr) {
        log.error({ err: answerErr }, 'could not tell the user about a failure');
      }
    }
  }
}

/** /flux takes its typed options; the others take their one text option (`/flux-admin command`). */
function commandArgs(raw: RawInteraction): CommandArgs {
  if (raw.data?.name === FLUX_COMMAND) return { input: optionsToInput(raw) };
  const text = raw.data?.options?.find((o) => o.name === 'command')?.value;
  return text === undefined ? {} : { text: String(text) };
}

function delivery(raw: RawInteraction, original: DiscordDelivery['original'], now: number): DiscordDelivery {
  const channelId = raw.channel?.id ?? raw.channel_id ?? '';
  const d: DiscordDelivery = {
    appId: raw.application_id,
    channelId,
    token: raw.token,
    // A little before Discord's 15 minutes, so an edit never races the expiry.
    tokenExpiresAt: now + TOKEN_LIFETIME_MS - 30_000,
    original,
    uploadLimit: raw.attachment_size_limit ?? DEFAULT_UPLOAD_LIMIT,
  };
  if (raw.guild_id) d.guildId = raw.guild_id;
  if (!raw.guild_id || THREAD_TYPES.has(raw.channel?.type ?? -1)) d.noThreads = true;
  return d;
}

/** The job a button (`flux:<action>:<jobId>`) or a job's form (`flux:form:remix:<jobId>`) is about. */
function jobOf(raw: RawInteraction): { jobId?: string } {
  const id = raw.data?.custom_id ?? '';
  const button = parseButtonId(id);
  if (button) return { jobId: button.jobId };
  const form = /^flux:form:(?:remix|ref):(.+)$/.exec(id);
  return form?.[1] ? { jobId: form[1] } : {};
}
