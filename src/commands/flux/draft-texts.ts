/** What a draft and its Final button say, in every language. */
import { defineMessages } from '../i18n/define.ts';

export const draftTexts = defineMessages('draft', {
  en: {
    finalButton: (model: string, cost: string) => `Final · ${model} ~${cost}`,
    finalImageButton: (n: number, cost: string) => `Final ${n} ~${cost}`,
    finalField: 'Draft · Final would be',
    finalValue: (model: string, cost: string) =>
      `${model} at full quality, same prompt, seed and size · ~${cost}`,
    notADraft: 'This image is not a draft: it was made at full quality already.',
  },
  'zh-Hans': {
    finalButton: (model: string, cost: string) => `定稿 · ${model} 约${cost}`,
    finalImageButton: (n: number, cost: string) => `定稿 ${n} 约${cost}`,
    finalField: '草稿 · 定稿预估',
    finalValue: (model: string, cost: string) => `${model}，完整质量，同样的提示词、种子和尺寸 · 约 ${cost}`,
    notADraft: '这张图片不是草稿，已经是完整质量了。',
  },
  'zh-Hant': {
    finalButton: (model: string, cost: string) => `定稿 · ${model} 約${cost}`,
    finalImageButton: (n: number, cost: string) => `定稿 ${n} 約${cost}`,
    finalField: '草稿 · 定稿預估',
    finalValue: (model: string, cost: string) => `${model}，完整品質，同樣的提示詞、種子和尺寸 · 約 ${cost}`,
    notADraft: '這張圖片不是草稿，已經是完整品質了。',
  },
});
