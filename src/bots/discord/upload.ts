/**
 * Images over the upload limit are re-encoded smaller (JPEG at falling quality, then smaller sizes)
 * and the user is told; never a silent failure or a missing image.
 */
import sharp from 'sharp';
import type { OutputImage } from '../../commands/context.ts';

export interface Fitted {
  name: string;
  data: Buffer;
  contentType: string;
  note?: string;
}

export async function fitUpload(image: OutputImage, limit: number): Promise<Fitted> {
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
          note: `${image.name} was ${mb(image.data.length)}, over this server's ${mb(limit)} upload limit, so it was sent ${size} (${mb(data.length)}).`,
        };
      }
    }
  }
  throw new Error(`${image.name} cannot be made smaller than ${mb(limit)}`);
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
