/** The forms' own words (titles, extra fields, the submit button), in every language. */
import { defineMessages } from '../i18n/define.ts';

export const formTexts = defineMessages('flux-forms', {
  en: {
    newTitle: 'FLUX',
    remixTitle: 'Remix',
    moreOptions: 'More options',
    example: (value: string) => ` (e.g. ${value})`,
    useRefTitle: 'Use as reference',
    useRefPrompt: 'What to make with this image',
    editTitle: 'Edit with FLUX',
    whatToChange: (n: string) => `What to change (${n} image${n === '1' ? '' : 's'})`,
    optionsOptional: 'Options (optional)',
    submit: 'Generate',
    close: 'Cancel',
    on: 'On',
    off: 'Off',
    estimate: (cost: string) => `Estimated cost: ~${cost}, plus any reference images`,
    draftEstimate: (draft: string, final: string) =>
      `Estimated cost: ~${draft} for the draft (its final ~${final}), plus any reference images`,
  },
  'zh-Hans': {
    newTitle: 'FLUX',
    remixTitle: '改编',
    moreOptions: '更多选项',
    example: (value: string) => `（例如 ${value}）`,
    useRefTitle: '用作参考图',
    useRefPrompt: '想用这张图片做什么',
    editTitle: '用 FLUX 编辑',
    whatToChange: (n: string) => `要改什么（${n} 张图片）`,
    optionsOptional: '选项（可选）',
    submit: '生成',
    close: '取消',
    on: '开启',
    off: '关闭',
    estimate: (cost: string) => `预估费用：约 ${cost}，参考图另计`,
    draftEstimate: (draft: string, final: string) =>
      `预估费用：草稿约 ${draft}（定稿约 ${final}），参考图另计`,
  },
  'zh-Hant': {
    newTitle: 'FLUX',
    remixTitle: '改編',
    moreOptions: '更多選項',
    example: (value: string) => `（例如 ${value}）`,
    useRefTitle: '用作參考圖',
    useRefPrompt: '想用這張圖片做什麼',
    editTitle: '用 FLUX 編輯',
    whatToChange: (n: string) => `要改什麼（${n} 張圖片）`,
    optionsOptional: '選項（選填）',
    submit: '產生',
    close: '取消',
    on: '開啟',
    off: '關閉',
    estimate: (cost: string) => `預估費用：約 ${cost}，參考圖另計`,
    draftEstimate: (draft: string, final: string) =>
      `預估費用：草稿約 ${draft}（定稿約 ${final}），參考圖另計`,
  },
});
