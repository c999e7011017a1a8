/** What the Discord edge itself says (before any command runs), in every language. */
import { defineMessages } from '../../commands/i18n/define.ts';

export const discordTexts = defineMessages('discord-edge', {
  en: {
    buttonGone: 'This button is no longer active.',
    unknownCommand: 'This command is not known to this bot version.',
    noImagesToEdit: 'That message has no images to edit. Pick a message with an image attached.',
    imagesOutOfReach:
      'The images of that message are out of reach now. Use "Edit with FLUX" on the message again.',
    pressAgain: 'Please press the button again to open the form.',
    from: 'From',
    whatHappened: 'What happened',
    couldNotBeMade: 'your image could not be made.',
    failed: '⚠️ Failed',
    seeThread: 'see thread',
    seeResult: 'see result',
  },
  'zh-Hans': {
    buttonGone: '这个按钮已失效。',
    unknownCommand: '此版本的机器人不认识这个命令。',
    noImagesToEdit: '那条消息里没有可编辑的图片。请选择一条带图片的消息。',
    imagesOutOfReach: '那条消息的图片现在已无法获取。请对该消息重新使用 “Edit with FLUX”。',
    pressAgain: '请再按一次按钮来打开表单。',
    from: '来自',
    whatHappened: '发生了什么',
    couldNotBeMade: '你的图片没能生成。',
    failed: '⚠️ 失败',
    seeThread: '查看子区',
    seeResult: '查看结果',
  },
  'zh-Hant': {
    buttonGone: '這個按鈕已失效。',
    unknownCommand: '此版本的機器人不認識這個指令。',
    noImagesToEdit: '那則訊息裡沒有可編輯的圖片。請選擇一則附有圖片的訊息。',
    imagesOutOfReach: '那則訊息的圖片現在已無法取得。請對該訊息重新使用 “Edit with FLUX”。',
    pressAgain: '請再按一次按鈕來開啟表單。',
    from: '來自',
    whatHappened: '發生了什麼',
    couldNotBeMade: '你的圖片沒能產生。',
    failed: '⚠️ 失敗',
    seeThread: '查看討論串',
    seeResult: '查看結果',
  },
});
