/**
 * The /flux options' names as Discord shows them in Chinese clients (`name_localizations`). Names follow
 * Discord's rule for command names (letters and digits of any script, `-` and `_`, 1–32, lower case
 * where a script has case), so they are short words; the commands themselves keep their one name
 * (`/flux`, as on Slack and in the help), with localized descriptions.
 */
import { defineMessages } from '../../commands/i18n/define.ts';

export const optionNames = defineMessages('discord-option-names', {
  en: {
    prompt: 'prompt',
    model: 'model',
    size: 'size',
    seed: 'seed',
    count: 'count',
    steps: 'steps',
    guidance: 'guidance',
    safety: 'safety',
    format: 'format',
    upsample: 'upsample',
    image: 'image',
    image2: 'image2',
    image3: 'image3',
    image4: 'image4',
    draft: 'draft',
    command: 'command',
  },
  'zh-Hans': {
    prompt: '提示词',
    model: '模型',
    size: '尺寸',
    seed: '种子',
    count: '张数',
    steps: '步数',
    guidance: '引导强度',
    safety: '安全容忍度',
    format: '格式',
    upsample: '提示词增强',
    image: '参考图',
    image2: '参考图2',
    image3: '参考图3',
    image4: '参考图4',
    draft: '草稿',
    command: '命令',
  },
  'zh-Hant': {
    prompt: '提示詞',
    model: '模型',
    size: '尺寸',
    seed: '種子',
    count: '張數',
    steps: '步數',
    guidance: '引導強度',
    safety: '安全容忍度',
    format: '格式',
    upsample: '提示詞增強',
    image: '參考圖',
    image2: '參考圖2',
    image3: '參考圖3',
    image4: '參考圖4',
    draft: '草稿',
    command: '指令',
  },
});
