import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import { createCatalog } from '../../src/core/models.ts';
import {
  parseSize,
  type RequestInput,
  seedAt,
  sniffImageType,
  validateRequest,
} from '../../src/core/request.ts';

const catalog = createCatalog();
const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

function rejects(input: RequestInput, option: string, code = 'INVALID_OPTION', policy = {}): ValidationError {
  try {
    validateRequest(input, catalog, policy);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    const v = err as ValidationError;
    expect(v.code).toBe(code);
    expect(v.option).toBe(option);
    expect(v.allowed.length).toBeGreaterThan(0);
    return v;
  }
  throw new Error(`expected ${option} to be rejected`);
}

describe('validateRequest', () => {
  it('fills defaults: pro, 1024x1024, one image, jpeg, safety 2, upsampling on, a random seed', () => {
    const r = validateRequest({ prompt: '  a fox  ' }, catalog);
    expect(r).toMatchObject({
      prompt: 'a fox',
      model: 'pro',
      width: 1024,
      height: 1024,
      count: 1,
      format: 'jpeg',
      safety: 2,
      upsample: true,
    });
    expect(r.seed).toBeGreaterThanOrEqual(0);
    expect(r.seed).toBeLessThanOrEqual(4_294_967_295);
    expect(r.steps).toBeUndefined();
  });

  it('accepts every option in range, from strings as a slash command sends them', () => {
    const r = validateRequest(
      {
        prompt: 'x',
        model: 'FLEX',
        size: '1536x1024',
        seed: '4294967295',
        count: '4',
        steps: '30',
        guidance: '4.5',
        safety: '5',
        format: 'png',
        upsample: 'off',
      },
      catalog,
    );
    expect(r).toMatchObject({
      model: 'flex',
      width: 1536,
      height: 1024,
      seed: 4294967295,
      count: 4,
      steps: 30,
      guidance: 4.5,
      safety: 5,
      format: 'png',
      upsample: false,
    });
  });

  it('sends flex its defaults explicitly (the schema and docs disagree on guidance)', () => {
    const r = validateRequest({ prompt: 'x', model: 'flex' }, catalog);
    expect(r.steps).toBe(50);
    expect(r.guidance).toBe(4.5);
  });

  it('refuses a missing prompt', () => rejects({ prompt: '   ' }, 'prompt', 'MISSING_PROMPT'));

  it('refuses a prompt of only invisible characters: format (Cf), control (Cc) and whitespace', () => {
    const invisible = [
      '\u200B',
      '\u200B\u200C\u200D\u200E\u200F',
      '\u202A\u202B\u202C\u202D\u202E',
      '\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069',
      '\uFEFF',
      ' \u00AD\u180E\u200B\n\t',
      '\u0000\u0007\u001B\u007F\u0085',
      '\u3164\u115F\uFE0F',
      '\u2800',
      '\u{E0020}\u{E007F}',
    ];
    for (const prompt of invisible) {
      const err = rejects({ prompt }, 'prompt', 'MISSING_PROMPT');
      expect(err.allowed, JSON.stringify(prompt)).toContain('description of the image');
    }
  });

  it('sends a prompt with real content as written, invisible joiners and marks included', () => {
    for (const prompt of [
      'a family 👩\u200D👩\u200D👧 at the beach',
      'the flag of Scotland 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}',
      'a fox \u200F\u0645\u0631\u062D\u0628\u0627\u200F in the snow',
      '\u200Bx',
    ])
      expect(validateRequest({ prompt }, catalog).prompt).toBe(prompt);
    expect(validateRequest({ prompt: '  a fox \n' }, catalog).prompt).toBe('a fox');
  });

  it('refuses an option given empty instead of falling back to its default', () => {
    for (const [option, extra] of [
      ['seed', {}],
      ['count', {}],
      ['safety', {}],
      ['steps', { model: 'flex' }],
      ['guidance', { model: 'flex' }],
      ['steps', { model: 'pro' }],
      ['model', {}],
      ['size', {}],
      ['format', {}],
      ['upsample', {}],
    ] as const) {
      for (const empty of ['', '  ']) {
        const err = rejects({ prompt: 'x', ...extra, [option]: empty }, option);
        expect(err.got, option).toBe('nothing');
      }
    }
  });
  it('refuses an unknown model, listing the models', () => {
    const err = rejects({ prompt: 'x', model: 'dev' }, 'model');
    expect(err.allowed).toBe('pro, max, flex, klein-4b, klein-9b');
  });
  it('refuses a model the admins did not allow', () => {
    const err = rejects({ prompt: 'x', model: 'max' }, 'model', 'MODEL_NOT_ALLOWED', {
      allowedModels: ['pro', 'klein-4b'],
    });
    expect(err.allowed).toBe('pro, klein-4b');
  });
  it('refuses seeds outside 0…2^32-1 and non-integers', () => {
    rejects({ prompt: 'x', seed: '4294967296' }, 'seed');
    rejects({ prompt: 'x', seed: -1 }, 'seed');
    rejects({ prompt: 'x', seed: '4.2' }, 'seed');
  });
  it('refuses count 0 and 5', () => {
    rejects({ prompt: 'x', count: 0 }, 'count');
    rejects({ prompt: 'x', count: '5' }, 'count');
  });
  it('refuses steps and guidance on a model other than flex, instead of dropping them', () => {
    expect(rejects({ prompt: 'x', model: 'pro', steps: 30 }, 'steps').allowed).toContain('flex');
    rejects({ prompt: 'x', model: 'klein-4b', guidance: 3 }, 'guidance');
  });
  it('refuses steps and guidance out of their ranges on flex', () => {
    rejects({ prompt: 'x', model: 'flex', steps: 51 }, 'steps');
    rejects({ prompt: 'x', model: 'flex', guidance: 1.4 }, 'guidance');
    rejects({ prompt: 'x', model: 'flex', guidance: 'ten' }, 'guidance');
  });
  it('refuses safety above 5 and clamps it to the channel maximum', () => {
    rejects({ prompt: 'x', safety: 6 }, 'safety');
    expect(validateRequest({ prompt: 'x', safety: 5 }, catalog, { maxSafety: 1 }).safety).toBe(1);
  });
  it('refuses an unknown format and accepts jpg as jpeg', () => {
    rejects({ prompt: 'x', format: 'gif' }, 'format');
    expect(validateRequest({ prompt: 'x', format: 'jpg' }, catalog).format).toBe('jpeg');
  });
  it('refuses upsampling on klein, which has none, and defaults it off there', () => {
    rejects({ prompt: 'x', model: 'klein-9b', upsample: true }, 'upsample');
    expect(validateRequest({ prompt: 'x', model: 'klein-9b' }, catalog).upsample).toBe(false);
    expect(validateRequest({ prompt: 'x', model: 'klein-9b', upsample: false }, catalog).upsample).toBe(
      false,
    );
  });
  it('limits references by model: 8 on pro, 4 on klein', () => {
    const ref = { kind: 'url' as const, url: 'https://cdn.example.com/a.png' };
    expect(validateRequest({ prompt: 'x', references: Array(8).fill(ref) }, catalog).references).toHaveLength(
      8,
    );
    rejects({ prompt: 'x', references: Array(9).fill(ref) }, 'references', 'REFERENCE_INVALID');
    rejects(
      { prompt: 'x', model: 'klein-4b', references: Array(5).fill(ref) },
      'references',
      'REFERENCE_INVALID',
    );
  });
  it('refuses references that are not images, too big, or not http(s)', () => {
    rejects(
      { prompt: 'x', references: [{ kind: 'url', url: 'https://x/a.pdf', contentType: 'application/pdf' }] },
      'reference 1',
      'REFERENCE_INVALID',
    );
    rejects(
      { prompt: 'x', references: [{ kind: 'url', url: 'https://x/a.png', bytes: 21 * 1024 * 1024 }] },
      'reference 1',
      'REFERENCE_INVALID',
    );
    rejects(
      { prompt: 'x', references: [{ kind: 'url', url: 'file:///etc/passwd' }] },
      'reference 1',
      'REFERENCE_INVALID',
    );
    rejects(
      {
        prompt: 'x',
        references: [
          { kind: 'bytes', data: Buffer.from('<html>login</html>'), contentType: 'image/png', name: 'a.png' },
        ],
      },
      'reference 1 (a.png)',
      'REFERENCE_INVALID',
    );
    expect(
      validateRequest(
        { prompt: 'x', references: [{ kind: 'bytes', data: png, contentType: 'image/png' }] },
        catalog,
      ).references,
    ).toHaveLength(1);
  });
});

describe('parseSize', () => {
  it('reads WxH in multiples of 16', () => {
    expect(parseSize('1536x1024')).toEqual({ width: 1536, height: 1024 });
    expect(parseSize(' 64 X 64 ')).toEqual({ width: 64, height: 64 });
    expect(parseSize('2048x2048')).toEqual({ width: 2048, height: 2048 });
  });
  it('maps aspect ratios to about 1 MP in multiples of 16', () => {
    expect(parseSize('1:1')).toEqual({ width: 1024, height: 1024 });
    const wide = parseSize('16:9');
    expect(wide).toEqual({ width: 1360, height: 768 });
    for (const r of ['2:3', '3:2', '21:9', '9:16', '4:5']) {
      const { width, height } = parseSize(r);
      expect(width % 16).toBe(0);
      expect(height % 16).toBe(0);
      expect(width * height).toBeGreaterThan(0.9 * 1024 * 1024);
      expect(width * height).toBeLessThan(1.1 * 1024 * 1024);
    }
  });
  it('refuses sizes under 64 px, over 4 MP, off the 16 grid, or unreadable', () => {
    for (const bad of ['48x1024', '2064x2048', '1000x1000', 'big', '16:0', '0:1', '1024x']) {
      expect(() => parseSize(bad), bad).toThrow(ValidationError);
    }
  });
});

describe('seeds and image types', () => {
  it('gives consecutive seeds that wrap at 2^32', () => {
    expect([0, 1, 2].map((i) => seedAt({ seed: 4294967294 }, i))).toEqual([4294967294, 4294967295, 0]);
  });
  it('knows images by their magic bytes, not their names', () => {
    expect(sniffImageType(png)).toBe('image/png');
    expect(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageType(Buffer.from('<!DOCTYPE html>'))).toBeUndefined();
  });
});
