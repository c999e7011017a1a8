/**
 * Images over the upload limit are re-encoded smaller (JPEG at falling quality, then smaller sizes)
 * and the user is told, in the result's language; never a silent failure or a missing image.
 */
import type { RawFile } from 'discord.js';
import { RESTJSONErrorCodes } from 'discord-api-types/v10';
import sharp from 'sharp';
import type { OutputImage } from '../../commands/context.ts';
import type { Locale } from '../../commands/i18n/locale.ts';
import { clip } from './render.ts';
import { uploadTexts } from './upload-texts.ts';

export interface Fitted {
  name: string;
  data: Buffer;
  contentType: string;
  note?: string;
}

/** Why a copy was made: over the server's upload limit, or more than one message took with the others. */
export type Reason = 'server' | 'message';

export async function fitUpload(
  image: OutputImage,
  limit: number,
  why: Reason = 'server',
  locale: Locale = 'en',
): Promise<Fitted> {
  if (image.data.length <= limit)
    return { name: image.name, data: image.data, contentType: image.contentType };
  const meta = await sharp(image.data).metadata();
  const width = meta.width ?? 1024;
  const stem = image.name.replace(/\.[a-z]+$/i, '');
  for (const scale of [1, 0.75, 0.5, 0.35, 0.25]) {
    for (const quality of [88, 75]) {
      const data = await sharp(image.data)
        .resize({ width: Math.max(64, Math.round(width * scale)) })
        .jpeg({ quality, mozjpeg: true })
        .toBuffer();
      if (data.length <= limit) {
        const say = uploadTexts(locale);
        const reason = why === 'server' ? say.overServerLimit(mb(limit)) : say.overMessageLimit;
        const size = scale === 1 ? say.asJpeg : say.asJpegScaled(String(Math.round(scale * 100)));
        return {
          name: `${stem}.jpg`,
          data,
          contentType: 'image/jpeg',
          note: say.smallerCopy(image.name, mb(image.data.length), reason, size, mb(data.length)),
        };
      }
    }
  }
  throw new Error(`${image.name} cannot be made smaller than ${mb(limit)}`);
}

/**
 * Every image fitted to `limit`, as files for one message, with the notes that say what was changed (in
 * `locale`, the result's language).
 */
export async function fitAll(
  images: OutputImage[],
  limit: number,
  why: Reason = 'server',
  locale: Locale = 'en',
): Promise<{ files: RawFile[]; notes: string[] }> {
  const files: RawFile[] = [];
  const notes: string[] = [];
  for (const image of images) {
    const fitted = await fitUpload(image, limit, why, locale);
    if (fitted.note) notes.push(fitted.note);
    files.push({ name: fitted.name, data: fitted.data, contentType: fitted.contentType });
  }
  return { files, notes };
}

/**
 * A message's `attachments` for its `files` (each by its index, `files[n]`), each with its image's alt text
 * (a chart's numbers) as Discord's `description`, at most 1024 characters, which screen readers read.
 */
export function attachmentsFor(
  files: readonly RawFile[],
  images: readonly Pick<OutputImage, 'alt'>[],
): Array<{ id: number; filename: string; description?: string }> {
  return files.map((f, i) => {
    const alt = images[i]?.alt;
    return { id: i, filename: f.name, ...(alt ? { description: clip(alt, 1024) } : {}) };
  });
}

/** Discord refused the request as too large (413; 40005 Request entity too large). */
export function isTooLarge(err: unknown): boolean {
  const e = err as { status?: number; code?: number | string };
  return e?.status === 413 || Number(e?.code) === RESTJSONErrorCodes.RequestEntityTooLarge;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
