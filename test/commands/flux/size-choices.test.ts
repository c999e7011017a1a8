import { describe, expect, it } from 'vitest';
import { sizeChoices, typedSize } from '../../../src/commands/flux/size-choices.ts';
import { narrowCatalog } from '../../../src/core/models.ts';
import { DEFAULT_PRICES } from '../../../src/core/pricing.ts';
import { parseSize } from '../../../src/core/request.ts';
import { catalog } from '../../support/core.ts';

describe('size autocomplete', () => {
  it('offers a typed size that is not a multiple of 16 snapped to the nearest one, first, with megapixels and cost', () => {
    const choices = sizeChoices('1920x1080', 'pro', catalog, DEFAULT_PRICES);
    expect(choices[0]?.value).toBe('1920x1072');
    expect(choices[0]?.name).toMatch(/^1920x1080 → 1920×1072 · 2\.06 MP · ~\$\d+\.\d+$/);
    expect(() => parseSize(choices[0]?.value ?? '')).not.toThrow();
  });

  it('echoes a size the model takes as typed, without an arrow, and prices it for the model picked', () => {
    const [pro] = sizeChoices('1600x896', 'pro', catalog, DEFAULT_PRICES);
    const [klein] = sizeChoices('1600x896', 'klein-4b', catalog, DEFAULT_PRICES);
    expect(pro).toEqual({ name: expect.stringMatching(/^1600×896 · 1\.43 MP · ~\$/), value: '1600x896' });
    expect(klein?.value).toBe('1600x896');
    expect(klein?.name).not.toBe(pro?.name);
  });

  it('keeps a preset first under its own name when the typed size is one', () => {
    const choices = sizeChoices('1536x1024', 'pro', catalog, DEFAULT_PRICES);
    expect(choices[0]?.value).toBe('1536x1024');
    expect(choices[0]?.name).toMatch(/^Large 3:2 · 1536×1024/);
    expect(choices.filter((c) => c.value === '1536x1024')).toHaveLength(1);
  });

  it('brings a size over the limits within them: pixels, the minimum side and the model’s longest side', () => {
    const big = typedSize('4000x3000');
    expect(big).toMatchObject({ width: expect.any(Number), height: expect.any(Number) });
    const { width, height } = big as { width: number; height: number };
    expect(width * height).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(width % 16 || height % 16).toBe(0);
    expect(width / height).toBeCloseTo(4 / 3, 1);
    expect(typedSize('10x900')).toMatchObject({ width: 64, height: 896 });
    expect(typedSize('3000x1000', 2048)).toMatchObject({ width: 2048, height: 688 });
    const narrow = narrowCatalog(catalog, { maxSide: 1024 });
    expect(sizeChoices('1500x1500', 'pro', narrow, DEFAULT_PRICES)[0]?.value).toBe('1024x1024');
  });

  it('offers the presets that match a partial that is not a whole size, as before', () => {
    expect(typedSize('1536')).toBeUndefined();
    const choices = sizeChoices('1536', 'pro', catalog, DEFAULT_PRICES);
    expect(choices.map((c) => c.value)).toEqual(['1536x1024']);
  });
});
