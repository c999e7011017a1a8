import { describe, expect, it } from 'vitest';
import { spendChart } from '../../src/commands/usage.ts';
import { usageTexts } from '../../src/commands/usage-texts.ts';

const NOW = Date.parse('2025-03-10T12:00:00Z');

describe('the usage chart’s alt text', () => {
  it('says the total, the highest day and how many days spent, in the member’s language', async () => {
    const rows = [
      { day: '2025-03-02', micros: 45_000 },
      { day: '2025-03-09', micros: 120_000 },
      { day: '2025-03-09', micros: 30_000 },
    ] as Parameters<typeof spendChart>[0];
    const en = await spendChart(rows, NOW, usageTexts('en').chartYours, 'en');
    expect(en.alt).toBe(
      'Bar chart of your spend, last 30 days, by day: total $0.20; highest $0.15 on Mar 9; spending on 2 of 30 days.',
    );
    const zh = await spendChart(rows, NOW, usageTexts('zh-Hans').chartServer, 'zh-Hans');
    expect(zh.alt).toMatch(
      /^按天显示的柱状图（服务器花费，最近 30 天）：合计 .*0\.20；最高为 3月9日 的 .*0\.15；30 天中有 2 天有花费。$/,
    );
  });

  it('says plainly when nothing was spent', async () => {
    const chart = await spendChart([], NOW, usageTexts('zh-Hant').chartYours, 'zh-Hant');
    expect(chart.alt).toBe('按日顯示的長條圖（你的花費，最近 30 天）：沒有花費。');
  });
});
