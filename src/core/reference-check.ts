/**
 * Whether reference images are ones the provider takes: how many per model, http(s) links, and image
 * types known by their magic bytes (a name or a claimed type proves nothing).
 */
import { ValidationError } from './errors.ts';
import type { ModelId } from './models.ts';
import type { Reference } from './request.ts';
import { LIMITS, REFERENCE_TYPES } from './request-limits.ts';

export function validateReferences(refs: Reference[], max: number, model: ModelId): Reference[] {
  if (refs.length > max)
    throw new ValidationError(
      'REFERENCE_INVALID',
      'references',
      `at most ${max} images with ${model}`,
      `${refs.length} images`,
    );
  refs.forEach((ref, i) => {
    const option = `reference ${i + 1}${ref.name ? ` (${ref.name})` : ''}`;
    const types = 'PNG, JPEG, WebP or GIF images up to 20 MB';
    if (ref.kind === 'url') {
      let url: URL;
      try {
        url = new URL(ref.url);
      } catch {
        throw new ValidationError('REFERENCE_INVALID', option, 'an http(s) link to an image', ref.url);
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new ValidationError('REFERENCE_INVALID', option, 'an http(s) link to an image', ref.url);
      }
      if (ref.contentType && !isImageType(ref.contentType))
        throw new ValidationError('REFERENCE_INVALID', option, types, ref.contentType);
      if (ref.bytes !== undefined && ref.bytes > LIMITS.referenceMaxBytes) {
        throw new ValidationError(
          'REFERENCE_INVALID',
          option,
          types,
          `${(ref.bytes / 1024 / 1024).toFixed(1)} MB`,
        );
      }
    } else {
      if (ref.data.length > LIMITS.referenceMaxBytes) {
        throw new ValidationError(
          'REFERENCE_INVALID',
          option,
          types,
          `${(ref.data.length / 1024 / 1024).toFixed(1)} MB`,
        );
      }
      const sniffed = sniffImageType(ref.data);
      if (!sniffed) throw new ValidationError('REFERENCE_INVALID', option, types, 'not an image');
    }
  });
  return refs;
}

export function isImageType(contentType: string): boolean {
  const base = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (REFERENCE_TYPES as readonly string[]).includes(base);
}

/** The image type from magic bytes, or undefined when the bytes are not an image we accept. */
export function sniffImageType(data: Uint8Array): (typeof REFERENCE_TYPES)[number] | undefined {
  const b = data;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'image/webp';
  if (b.length >= 6 && ascii(b, 0, 4) === 'GIF8') return 'image/gif';
  return undefined;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}
