import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../src/commands/i18n/format.ts';
import { createCatalog } from '../../src/core/models.ts';
import {
  creditsToMicros,
  DEFAULT_PRICES,
  estimate,
  estimateImage,
  type PriceTable,
} from '../../src/core/pricing.ts';
import { type GenerationRequest, validateRequest } from '../../src/core/request.ts';

const catalog = createCatalog();
const req = (over: Partial<GenerationRequest> & { size?: string }): GenerationRequest => {
  const { size, ...rest } = over;
  return {
    ...validateRequest({ prompt: 'x', size: size ?? '1024x1024', model: over.model ?? 'pro' }, catalog),
    ...rest,
  };
};

describe('estimate', () => {
  it('prices 1024x1024 on pro as 2 billed MP: $0.03 + $0.015 = $0.045', () => {
    expect(estimateImage(req({}), DEFAULT_PRICES)).toBe(45_000);
    expect(formatMoney(45_000, 'en')).toBe('$0.045');
  });
  it('prices exactly 1 MP (1000x1000 is not on the grid: 992x992) at the first-MP price', () => {
    expect(estimateImage(req({ size: '992x1008' }), DEFAULT_PRICES)).toBe(30_000);
  });
  it('multiplies by count and adds reference megapixels', () => {
    const r = req({
      count: 4,
      references: [{ kind: 'url', url: 'https://x/a.png', width: 1024, height: 1024 }],
    });
    // output 45_000 + input 2 MP × 15_000 = 75_000 per image
    expect(estimateImage(r, DEFAULT_PRICES)).toBe(75_000);
    expect(estimate(r, DEFAULT_PRICES)).toBe(300_000);
  });
  it('assumes 1 MP for a reference of unknown size', () => {
    const r = req({ references: [{ kind: 'url', url: 'https://x/a.png' }] });
    expect(estimateImage(r, DEFAULT_PRICES)).toBe(60_000);
  });
  it('bills flex per MP of output and input alike', () => {
    expect(estimateImage(req({ model: 'flex', size: '2048x2048' }), DEFAULT_PRICES)).toBe(5 * 50_000);
  });
  it('can bill fractions of a megapixel exactly', () => {
    const exact: PriceTable = { ...DEFAULT_PRICES, rounding: 'exact' };
    // 1.05 MP on pro: 0.03 + 0.05 × 0.015 = 0.03075
    expect(estimateImage(req({}), exact)).toBe(30_750);
  });
  it('sums a month of small charges exactly (no floating-point drift)', () => {
    let total = 0;
    for (let i = 0; i < 100_000; i++) total += estimateImage(req({ model: 'klein-4b' }), DEFAULT_PRICES);
    expect(total).toBe(100_000 * 15_000);
    expect(formatMoney(total, 'en')).toBe('$1,500.00');
  });
});

describe('settling and showing money', () => {
  it('turns credits into micro-dollars (1 credit = $0.01)', () => {
    expect(creditsToMicros(4.5)).toBe(45_000);
    expect(creditsToMicros(0)).toBe(0);
    expect(creditsToMicros(null)).toBeUndefined();
    expect(creditsToMicros(-1)).toBeUndefined();
  });
  it('shows one format everywhere: cents from $0.10, three significant digits below, never $0.00 for money', () => {
    expect(formatMoney(0, 'en')).toBe('$0.00');
    expect(formatMoney(1_200_000, 'en')).toBe('$1.20');
    expect(formatMoney(100_000, 'en')).toBe('$0.10');
    expect(formatMoney(706_000, 'en')).toBe('$0.71');
    expect(formatMoney(1_500, 'en')).toBe('$0.0015');
    expect(formatMoney(15_000, 'en')).toBe('$0.015');
    expect(formatMoney(50_000, 'en')).toBe('$0.05');
    expect(formatMoney(30_750, 'en')).toBe('$0.0308');
    expect(formatMoney(99_990, 'en')).toBe('$0.10');
    expect(formatMoney(1, 'en')).toBe('$0.000001');
    expect(formatMoney(1_234_565_000, 'en')).toBe('$1,234.57');
  });
});
