/**
 * Delete's refusal in words, at the command level: what each platform would not delete (structured by
 * the adapter: which part, what the platform said) is put in the presser's language, the platform's own
 * answer in a code span, and a platform that never answered is said so.
 */
import { describe, expect, it } from 'vitest';
import type { RemoveFailure } from '../../../src/commands/context.ts';
import { deleteResult } from '../../../src/commands/flux/delete.ts';
import type { JobView, Platform } from '../../../src/core/job-types.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { catalog } from '../../support/core.ts';
import { createFakeContext } from '../../support/fake-context.ts';

const noSettings = { getSettings: async () => undefined, putSettings: async () => undefined };

async function refusal(platform: Platform, locale: string, failures: RemoveFailure[]): Promise<string> {
  const presser = createFakeContext({ platform, actor: { locale } });
  const target = createFakeContext({ platform });
  target.removeResult = async () => ({ failures });
  const saved: string[] = [];
  const deps = {
    jobs: { updateDelivery: async (id: string) => void saved.push(id) },
    catalog,
    logger: silentLogger(),
    settings: noSettings,
  };
  await deleteResult(presser, target, { id: 'job-1' } as JobView, deps);
  // What was deleted is stored either way; nothing claims "Deleted".
  expect(saved).toEqual(['job-1']);
  expect(target.cards).toEqual([]);
  return presser.replies.map((r) => r.text).join('\n');
}

describe('Delete refused', () => {
  const slack: RemoveFailure[] = [{ part: 'details', said: 'cant_delete_message' }, { part: 'image' }];

  it('names each part and what Slack said, in English', async () => {
    expect(await refusal('slack', 'en-US', slack)).toBe(
      'Not deleted: the details message (Slack said: `cant_delete_message`); an image (Slack did not answer in time). Press Delete again in a moment, or remove it by hand.',
    );
  });

  it('in simplified and traditional Chinese', async () => {
    expect(await refusal('slack', 'zh-CN', slack)).toBe(
      '未删除：详情消息（Slack 回复：`cant_delete_message`）；一张图片（Slack 没有及时回应）。请稍后再按一次“删除”，或手动删除。',
    );
    expect(await refusal('discord', 'zh-TW', [{ part: 'result', said: 'Missing Permissions (403)' }])).toBe(
      '未刪除：結果訊息（Discord 回覆：`Missing Permissions (403)`）。請稍後再按一次「刪除」，或手動刪除。',
    );
  });

  it('keeps what the platform said inside its code span', async () => {
    const text = await refusal('discord', 'en', [{ part: 'result', said: 'a ` <@here>\nb' }]);
    expect(text).toBe(
      'Not deleted: the result message (Discord said: `a ˋ <@here> b`). Press Delete again in a moment, or remove it by hand.',
    );
  });
});
