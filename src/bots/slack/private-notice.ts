/**
 * Telling a Slack requester privately when their job's channel is closed to the bot (removed, archived,
 * gone). The words go through the command's response_url while it is valid (it works without channel
 * membership), else a direct message; the images, which a response_url cannot carry, go by direct
 * message (conversations.open) either way.
 */

import { request } from 'undici';
import type { OutputImage } from '../../commands/context.ts';
import type { Locale } from '../../commands/i18n/locale.ts';
import { share, uploadBytes } from './result-upload.ts';
import { platformError, type SlackResultDeps } from './results.ts';
import { slackTexts } from './texts.ts';

export interface NoticePlace {
  userId: string;
  responseUrl?: string;
  responseUrlExpiresAt?: number;
}

export const IMAGES_IN_DM = slackTexts('en').imagesInDm;

export async function tellSlackRequester(
  deps: SlackResultDeps,
  place: NoticePlace,
  now: number,
  text: string,
  images: OutputImage[],
  locale: Locale = 'en',
): Promise<{ told: boolean; imagesSent: boolean }> {
  const { client, logger } = deps;
  const urlValid = Boolean(
    place.responseUrl && place.responseUrlExpiresAt && now < place.responseUrlExpiresAt,
  );
  let told = false;
  let imagesSent = false;
  let dm: string | undefined;
  try {
    dm = (await client.conversations.open({ users: place.userId })).channel?.id;
  } catch (err) {
    logger.warn({ code: platformError(err) }, 'no direct message channel with the requester');
  }
  if (dm) {
    try {
      if (!urlValid) {
        await client.chat.postMessage({ channel: dm, text, unfurl_links: false });
        told = true;
      }
      if (images.length) {
        await share(deps, { channelId: dm }, await uploadBytes(deps, images), images);
        imagesSent = true;
      }
    } catch (err) {
      logger.warn({ code: platformError(err) }, 'direct message to the requester failed');
    }
  }
  if (urlValid) {
    try {
      const res = await request(place.responseUrl as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          response_type: 'ephemeral',
          replace_original: false,
          text: imagesSent ? `${text}\n${slackTexts(locale).imagesInDm}` : text,
        }),
        dispatcher: deps.dispatcher,
      });
      await res.body.dump();
      told = told || res.statusCode < 300;
    } catch (err) {
      logger.warn({ err }, 'response_url notice failed');
    }
  }
  return { told: told || imagesSent, imagesSent };
}
