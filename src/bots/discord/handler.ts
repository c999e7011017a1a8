/**
 * The one interaction boundary, for the gateway and HTTP modes alike: it acknowledges first, turns the
 * raw payload into a command, and always answers the user — even on a bug — and logs what happened.
 */
import { randomUUID } from 'node:crypto';
import type { REST } from 'discord.js';
import type { CommandContext } from '../../commands/context.ts';
import { errorText } from '../../commands/flux/messages.ts';
import type { FluxCommands } from '../../commands/flux/run.ts';
import { FluxError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Reference } from '../../core/request.ts';
import { ADMIN_COMMAND, EDIT_COMMAND, FLUX_COMMAND, USAGE_COMMAND } from './commands.ts';
import {
  createDiscordContext,
  DEFAULT_UPLOAD_LIMIT,
  type DiscordDelivery,
  type Respond,
  TOKEN_LIFETIME_MS,
} from './context.ts';
import {
  actorOf,
  modalValues,
  optionsToInput,
  type RawAttachment,
  type RawInteraction,
  toReference,
} from './payload.ts';
import { parseButtonId } from './render.ts';

export interface HandlerDeps {
  flux: () => FluxCommands;
  rest: REST;
  logger: Logger;
  now?: () => number;
}

const EPHEMERAL = 64;
const THREAD_TYPES = new Set([10, 11, 12]);
/** Images of a message picked with "Edit with FLUX", kept until its form comes back. */
const EDIT_TTL_MS = 15 * 60_000;

export function createInteractionHandler(
  deps: HandlerDeps,
): (raw: RawInteraction, send: Respond) => Promise<void> {
  const { rest, logger } = deps;
  const now = deps.now ?? Date.now;
  const edits = new Map<string, { refs: Reference[]; expires: number }>();

  return async function handle(raw, send) {
    let responded = false;
    const respond: Respond = async (body) => {
      if (responded) return;
      responded = true;
      await send(body);
      // Let the server answer every interaction waiting in this burst before doing any one's work.
      await new Promise((resolve) => setImmediate(resolve));
    };
    const log = logger.child({
      interaction: raw.id,
      type: raw.type,
      user: raw.member?.user?.id ?? raw.user?.id,
    });
    let ctx: CommandContext | undefined;
    const context = (original: DiscordDelivery['original']) => {
      ctx = createDiscordContext({ rest, logger: log, now }, delivery(raw, original, now()), actorOf(raw), {
        send: respond,
        done: () => responded,
      });
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
          const choices =
            focused?.name === 'size'
              ? deps
                  .flux()
                  .sizeChoices(String(focused.value ?? ''), model === undefined ? undefined : String(model))
              : [];
          await respond({ type: 8, data: { choices } });
          return;
        }
        case 2:
          if (raw.data?.name === FLUX_COMMAND) {
            await respond({ type: 5 });
            await deps.flux().run(context('deferred'), optionsToInput(raw));
            return;
          }
          if (raw.data?.name === USAGE_COMMAND || raw.data?.name === ADMIN_COMMAND) {
            await respond({ type: 5, data: { flags: EPHEMERAL } });
            const ctx = context('deferred');
            if (raw.data.name === USAGE_COMMAND) await deps.flux().usage(ctx);
            else
              await deps
                .flux()
                .admin(ctx, String(raw.data.options?.find((o) => o.name === 'command')?.value ?? 'show'));
            return;
          }
          if (raw.data?.name === EDIT_COMMAND) {
            const target = raw.data.resolved?.messages?.[raw.data.target_id ?? ''];
            const images = (target?.attachments ?? []).filter((a: RawAttachment) =>
              a.content_type?.startsWith('image/'),
            );
            if (!images.length) {
              await respond({
                type: 4,
                data: {
                  content: 'That message has no images to edit. Pick a message with an image attached.',
                  flags: EPHEMERAL,
                },
              });
              return;
            }
            const nonce = randomUUID().slice(0, 18);
            for (const [key, value] of edits) if (value.expires < now()) edits.delete(key);
            edits.set(nonce, { refs: images.slice(0, 8).map(toReference), expires: now() + EDIT_TTL_MS });
            await context('none').openForm({
              id: `edit:${nonce}`,
              title: 'Edit with FLUX',
              fields: [
                {
                  name: 'prompt',
                  label: `What to change (${images.length} image${images.length > 1 ? 's' : ''})`,
                  multiline: true,
                  required: true,
                },
                { name: 'options', label: 'Options (optional)', placeholder: '--model max --size 16:9' },
              ],
            });
            return;
          }
          break;
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
          await deps.flux().button(context('none'), parsed.action, parsed.jobId);
          return;
        }
        case 5: {
          const formId = (raw.data?.custom_id ?? '').replace(/^flux:form:/, '');
          await respond({ type: 5 });
          const values = modalValues(raw);
          if (formId.startsWith('edit:')) {
            const stash = edits.get(formId.slice(5));
            if (!stash) {
              await context('deferred').replyPrivate(
                'That edit form expired. Use "Edit with FLUX" on the message again.',
              );
              return;
            }
            await deps.flux().form(context('deferred'), 'edit', values, stash.refs);
            return;
          }
          await deps.flux().form(context('deferred'), formId, values);
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
  };
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
