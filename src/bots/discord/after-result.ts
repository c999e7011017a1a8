/**
 * After the result: deleting it (Delete), and telling a Discord requester privately when their job's place is closed to the bot (removed from the
 * channel, thread locked, channel gone): an ephemeral follow-up while the interaction token lives —
 * it reaches them whatever the bot's permissions — else a direct message from the bot.
 */
import { DiscordAPIError, type RawFile, type REST, Routes } from 'discord.js';
import { MessageFlags, RESTJSONErrorCodes } from 'discord-api-types/v10';
import type { OutputImage, RemoveFailure } from '../../commands/context.ts';
import type { Logger } from '../../core/logger.ts';
import { type Credentials, type DiscordDelivery, NO_AUTH } from './delivery.ts';
import { attachmentsFor, fitAll } from './upload.ts';

export interface NoticeDeps {
  rest: REST;
  logger: Logger;
}

export async function tellDiscordRequester(
  deps: NoticeDeps,
  d: DiscordDelivery,
  creds: Credentials,
  userId: string,
  text: string,
  images: OutputImage[],
): Promise<{ told: boolean; imagesSent: boolean }> {
  const { rest, logger } = deps;
  let files: RawFile[] = [];
  try {
    files = (await fitAll(images, d.uploadLimit)).files;
  } catch (err) {
    logger.warn({ err }, 'images could not be fitted for the private notice; sending words only');
  }
  const body = (withFiles: boolean) => ({
    content: text.slice(0, 2000),
    allowed_mentions: { parse: [] },
    ...(withFiles ? { attachments: attachmentsFor(files, images) } : {}),
  });
  const attempt = async (send: (withFiles: boolean) => Promise<unknown>) => {
    try {
      await send(files.length > 0);
      return { told: true, imagesSent: files.length > 0 };
    } catch (err) {
      if (!files.length) throw err;
      // The words matter most: a refused upload still leaves the message.
      logger.warn({ status: (err as DiscordAPIError).status }, 'private notice with images refused');
      await send(false);
      return { told: true, imagesSent: false };
    }
  };
  if (creds.tokenAlive()) {
    try {
      return await creds.use(
        (token) =>
          attempt((withFiles) =>
            rest.post(Routes.webhook(d.appId, token), {
              body: { ...body(withFiles), flags: MessageFlags.Ephemeral },
              files: withFiles ? files : [],
              ...NO_AUTH,
            }),
          ),
        () => Promise.reject(new Error('interaction token rejected')),
      );
    } catch (err) {
      logger.info({ err: describe(err) }, 'follow-up not possible; trying a direct message');
    }
  }
  try {
    const dm = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
    return await attempt((withFiles) =>
      rest.post(Routes.channelMessages(dm.id), { body: body(withFiles), files: withFiles ? files : [] }),
    );
  } catch (err) {
    // Their DMs may be closed to the server's members (50007): nothing more to try.
    logger.warn({ err: describe(err) }, 'requester could not be told privately');
    return { told: false, imagesSent: false };
  }
}

function describe(err: unknown): string {
  return err instanceof DiscordAPIError ? `${err.status} ${err.code}` : String(err);
}

/** Deletes the job's result messages; says what Discord refused (already gone counts as done). */
export async function removeDiscordResult(
  deps: NoticeDeps,
  d: DiscordDelivery,
  creds: Credentials,
): Promise<{ failures: RemoveFailure[] }> {
  const { rest, logger } = deps;
  const failures: RemoveFailure[] = [];
  const left: NonNullable<DiscordDelivery['results']> = [];
  for (const r of d.results ?? []) {
    const viaBot = () => rest.delete(Routes.channelMessage(r.channelId, r.id));
    try {
      await (r.via === 'webhook'
        ? creds.use((token) => rest.delete(Routes.webhookMessage(d.appId, token, r.id), NO_AUTH), viaBot)
        : viaBot());
    } catch (err) {
      // Already gone (10008 Unknown Message) is what was asked for.
      if (err instanceof DiscordAPIError && Number(err.code) === RESTJSONErrorCodes.UnknownMessage) continue;
      logger.warn({ err }, 'delete failed');
      left.push(r);
      // Discord's own words; none when it did not answer in time (the command words that).
      failures.push({
        part: 'result',
        ...(err instanceof DiscordAPIError ? { said: `${err.message} (${err.status})` } : {}),
      });
    }
  }
  d.results = left;
  return { failures };
}
