/** What the Slack edge itself says (layout words, its own answers), in every language. */
import { defineMessages } from '../../commands/i18n/define.ts';

export const slackTexts = defineMessages('slack-edge', {
  en: {
    couldNotBeMade: 'your image could not be made.',
    imageFailed: '⚠️ Image failed',
    ready: 'Your image is ready',
    seeThread: 'see thread',
    seeResult: 'see result',
    pressAgain: 'Please press the button again to open the form.',
    imagesInDm: 'The image is in your direct messages with me.',
    noImagesToEdit:
      'That message has no images to edit. Use "Edit with FLUX" on a message with an image attached.',
    strictest: 'strictest',
    mostPermissive: 'most permissive',
  },
  'zh-Hans': {
    couldNotBeMade: '你的图片没能生成。',
    imageFailed: '⚠️ 图片生成失败',
    ready: '你的图片已生成',
    seeThread: '查看话题',
    seeResult: '查看结果',
    pressAgain: '请再按一次按钮来打开表单。',
    imagesInDm: '图片在你和我的私信里。',
    noImagesToEdit: '那条消息里没有可编辑的图片。请对带图片的消息使用 “Edit with FLUX”。',
    strictest: '最严格',
    mostPermissive: '最宽松',
  },
  'zh-Hant': {
    couldNotBeMade: '你的圖片沒能產生。',
    imageFailed: '⚠️ 圖片產生失敗',
    ready: '你的圖片已產生',
    seeThread: '查看討論串',
    seeResult: '查看結果',
    pressAgain: '請再按一次按鈕來開啟表單。',
    imagesInDm: '圖片在你和我的私人訊息裡。',
    noImagesToEdit: '那則訊息裡沒有可編輯的圖片。請對附有圖片的訊息使用 “Edit with FLUX”。',
    strictest: '最嚴格',
    mostPermissive: '最寬鬆',
  },
});
