/**
 * "Edit with FLUX" on a message: its images become the references of a new job, with the prompt asked
 * in a form. The form's id names the message (`edit:<channel>:<message>`), not a slot in this process:
 * the images are kept here (with the size and type Discord told us) for the usual quick round trip,
 * and a form submitted to another instance, or after a restart, reads the message again with the bot
 * token instead of failing.
 */

import { type REST, Routes } from 'discord.js';
import type { Form } from '../../commands/context.ts';
import { formTexts } from '../../commands/flux/form-texts.ts';
import { pickLocale } from '../../commands/i18n/locale.ts';
import type { Logger } from '../../core/logger.ts';
import type { Reference } from '../../core/request.ts';
import { type RawAttachment, type RawInteraction, toReference } from './payload.ts';

/** How long the images of a picked message are kept for its form. */
const TTL_MS = 15 * 60_000;
/** The most references any model takes; validation names the model's own limit. */
const MAX_REFS = 8;

export interface EditMessages {
  /** The form for a message command, or undefined when the message has no images. */
  open(raw: RawInteraction): Form | undefined;
  /**
   * The images of the message a submitted `edit:` form names, or undefined when they cannot be found.
   * `channelId` is where the form was submitted: a form id naming another channel is not read, so a
   * crafted submission cannot borrow images from a channel its sender cannot see.
   */
  references(formKey: string, channelId: string): Promise<Reference[] | undefined>;
}

const images = (attachments: RawAttachment[] | undefined) =>
  (attachments ?? []).filter((a) => a.content_type?.startsWith('image/')).slice(0, MAX_REFS);

export function createEditMessages(deps: { rest: REST; logger: Logger; now: () => number }): EditMessages {
  const kept = new Map<string, { refs: Reference[]; expires: number }>();
  return {
    open(raw) {
      const targetId = raw.data?.target_id ?? '';
      const found = images(raw.data?.resolved?.messages?.[targetId]?.attachments);
      if (!found.length) return undefined;
      const key = `${raw.channel?.id ?? raw.channel_id ?? ''}:${targetId}`;
      for (const [k, v] of kept) if (v.expires < deps.now()) kept.delete(k);
      kept.set(key, { refs: found.map(toReference), expires: deps.now() + TTL_MS });
      const t = formTexts(pickLocale(raw.locale));
      return {
        id: `edit:${key}`,
        title: t.editTitle,
        fields: [
          { name: 'prompt', label: t.whatToChange(String(found.length)), multiline: true, required: true },
          { name: 'options', label: t.optionsOptional, placeholder: '--model max --size 16:9' },
        ],
      };
    },

    async references(formKey, submittedIn) {
      const [channelId, messageId] = formKey.split(':');
      if (channelId !== submittedIn || !/^\d+$/.test(channelId) || !messageId || !/^\d+$/.test(messageId))
        return undefined;
      const hit = kept.get(formKey);
      if (hit && hit.expires >= deps.now()) return hit.refs;
      try {
        const message = (await deps.rest.get(Routes.channelMessage(channelId, messageId))) as {
          attachments?: RawAttachment[];
        };
        const found = images(message.attachments);
        return found.length ? found.map(toReference) : undefined;
      } catch (err) {
        deps.logger.info(
          { status: (err as { status?: number }).status },
          'the edited message is out of reach',
        );
        return undefined;
      }
    },
  };
}
