/**
 * A job speaks the language stored with it: a card rebuilt from the store after a restart (no live
 * interaction, only `origin.locale`) reads as the first one did; no locale stored means English.
 */
import { describe, expect, it } from 'vitest';
import {
  cardFor,
  failedCard,
  queuedStatus,
  resultButtons,
  resultFields,
} from '../../../src/commands/flux/messages.ts';
import type { JobView } from '../../../src/core/job-types.ts';
import { catalog, origin, request } from '../../support/core.ts';

function job(locale?: string): JobView {
  return {
    id: 'j1',
    state: 'delivered',
    request: request({ prompt: '一只狐狸', model: 'klein-4b', seed: 42 }),
    origin: { ...origin(), userName: 'Ana', ...(locale ? { locale } : {}) },
    delivery: {},
    estimateMicros: 15_000,
    costMicros: 15_000,
    createdAt: 0,
    startedAt: 0,
    finishedAt: 1_500,
    tasks: [],
  };
}

describe('a job in its language', () => {
  it('renders a stored zh-Hant job in traditional Chinese, whoever renders it', () => {
    const card = cardFor(job('zh-Hant'), catalog, '已完成', 2_000);
    expect(card.title).toBe('Ana 請求產生');
    expect(card.summary).toBe('已完成，耗時 1.5 秒 · US$0.015');
    expect(card.fields.map((f) => f.label)).toEqual(['模型', '尺寸', '種子', '費用']);
    expect(card.locale).toBe('zh-Hant');
    expect(card.prompt).toBe('一只狐狸');
    const fields = resultFields(job('zh-Hant'), catalog);
    expect(fields[0]).toEqual({ label: '提示詞', value: '一只狐狸', key: 'prompt' });
    expect(fields.at(-1)).toEqual({ label: '費用', value: 'US$0.015', key: 'cost' });
  });

  it('says why a zh-Hans job failed, what it cost and what to do, in simplified Chinese', () => {
    const card = failedCard(
      job('zh-Hans'),
      catalog,
      { code: 'CONTENT_MODERATED', message: '', charge: 'none' },
      0,
    );
    expect(card.failure?.text).toBe(
      '图像服务的安全过滤器拒绝了生成的图片；换个种子也许能通过。未扣费。按“换个种子重试”再试一次。',
    );
    expect(card.buttons.map((b) => b.label)).toEqual(['换个种子重试']);
    expect(queuedStatus(3, 'zh-Hans')).toBe('排队中 · 第 3 位');
    expect(resultButtons('j1', 'zh-Hant').map((b) => b.label)).toEqual([
      '重新產生',
      '改編',
      '用作參考圖',
      '刪除',
    ]);
  });

  it('stays English when no language, or an unknown one, was stored', () => {
    for (const stored of [undefined, 'fr']) {
      const card = cardFor(job(stored), catalog, 'Done', 2_000);
      expect(card.title).toBe('Ana asked for');
      expect(card.summary).toBe('Done in 1.5 s · $0.015');
      expect(card.locale).toBeUndefined();
    }
  });
});
