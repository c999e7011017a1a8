/**
 * What part of a result a platform would not delete, and what it said, in every language: the `what`
 * of flowTexts' deleteFailed ("Not deleted: an image (Slack said: `cant_delete_file`). …").
 */
import { defineMessages } from '../i18n/define.ts';

export const deleteTexts = defineMessages('flux-delete', {
  en: {
    result: 'the result message',
    details: 'the details message',
    image: 'an image',
    /** `said` is the platform's own answer, already a code span. */
    refused: (part: string, platform: string, said: string) => `${part} (${platform} said: ${said})`,
    noAnswer: (part: string, platform: string) => `${part} (${platform} did not answer in time)`,
    unlisted: (part: string, platform: string) => `${part} (${platform} has not said where it is yet)`,
    separator: '; ',
  },
  'zh-Hans': {
    result: '结果消息',
    details: '详情消息',
    image: '一张图片',
    refused: (part: string, platform: string, said: string) => `${part}（${platform} 回复：${said}）`,
    noAnswer: (part: string, platform: string) => `${part}（${platform} 没有及时回应）`,
    unlisted: (part: string, platform: string) => `${part}（${platform} 尚未告知它的位置）`,
    separator: '；',
  },
  'zh-Hant': {
    result: '結果訊息',
    details: '詳情訊息',
    image: '一張圖片',
    refused: (part: string, platform: string, said: string) => `${part}（${platform} 回覆：${said}）`,
    noAnswer: (part: string, platform: string) => `${part}（${platform} 沒有及時回應）`,
    unlisted: (part: string, platform: string) => `${part}（${platform} 尚未告知它的位置）`,
    separator: '；',
  },
});
