/**
 * Images over the upload limit are re-encoded smaller (JPEG at falling quality, then smaller sizes)
 * and the user is told; never a silent failure or a missing image.
 */
import type { RawFile } from 'discord.js';
import { RESTJSONErrorCodes } from 'discord-api-types/v10';
import sharp from 'sharp';
import type { OutputImage } from '../../commands/context.ts';

export interface Fitted {
  name: string;
  data: Buffer;
  contentType: string;
  note?: string;
}

/** Why a copy was made, as the note says it: "over this server's 10.0 MB upload limit". */
export type Reason = (limit: number) => string;
export const overServerLimit: Reason = (limit) => `over this server's ${mb(limit)} upload limit`;
export const overMessageLimit: Reason = () => 'more than Discord took in one message with the others';

export async function fitUpload(image: OutputImage, limit: number, why = overServerLimit): Promise<Fitted> {
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
        const size = scale === 1 ? 'as JPEG' : `as JPEG at ${Math.round(scale * 100)}% size`;
        return {
          name: `${stem}.jpg`,
          data,
          contentType: 'image/jpeg',
          note: `${image.name} was ${mb(image.data.length)}, ${why(limit)}, so it was sent ${size} (${mb(data.length)}).`,
        };
      }
    }
  }
  throw new Error(`${image.name} cannot be made smaller than ${mb(limit)}`);
}

/** Every image fitted to `limit`, as files for one message, with the notes that say what was changed. */
export async function fitAll(
  images: OutputImage[],
  limit: number,
  why = overServerLimit,
): Promise<{ files: RawFile[]; notes: string[] }> {
  const files: RawFile[] = [];
  const notes: string[] = [];
  for (const image of images) {
    const fitted = await fitUpload(image, limit, why);
    if (fitted.note) notes.push(fitted.note);
    files.push({ name: fitted.name, data: fitted.data, contentType: fitted.contentType });
  }
  return { files, notes };
}

/** Discord refused the request as too large (413; 40005 Request entity too large). */
export function isTooLarge(err: unknown): boolean {
  const e = err as { status?: number; code?: number | string };
  return e?.status === 413 || Number(e?.code) === RESTJSONErrorCodes.RequestEntityTooLarge;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
