/** The limits of a generation request's options, as data: validation, help text and forms read them. */

export const FORMATS = ['jpeg', 'png', 'webp'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export const LIMITS = {
  promptMaxChars: 10_000,
  sideMin: 64,
  sideStep: 16,
  maxPixels: 4 * 1024 * 1024,
  /** An aspect ratio maps to about this many pixels. */
  ratioPixels: 1024 * 1024,
  seedMax: 4_294_967_295,
  countMin: 1,
  countMax: 4,
  safetyMin: 0,
  safetyMax: 5,
  safetyDefault: 2,
  referenceMaxBytes: 20 * 1024 * 1024,
} as const;

export const REFERENCE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;
