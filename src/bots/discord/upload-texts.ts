/** What a result says when Discord could not take an image as it was and a smaller copy went instead. */
import { defineMessages } from '../../commands/i18n/define.ts';

export const uploadTexts = defineMessages('discord-upload', {
  en: {
    overServerLimit: (limit: string) => `over this server's ${limit} upload limit`,
    overMessageLimit: 'more than Discord took in one message with the others',
    asJpeg: 'as JPEG',
    asJpegScaled: (percent: string) => `as JPEG at ${percent}% size`,
    /** "fox.png was 12.3 MB, over this server's 10.0 MB upload limit, so it was sent as JPEG (2.1 MB)." */
    smallerCopy: (name: string, was: string, why: string, how: string, now: string) =>
      `${name} was ${was}, ${why}, so it was sent ${how} (${now}).`,
  },
  'zh-Hans': {
    overServerLimit: (limit: string) => `超过了本服务器 ${limit} 的上传上限`,
    overMessageLimit: '和其他图片合起来超过了 Discord 一条消息能接收的大小',
    asJpeg: '以 JPEG 格式',
    asJpegScaled: (percent: string) => `以 JPEG 格式、缩小到 ${percent}%`,
    smallerCopy: (name: string, was: string, why: string, how: string, now: string) =>
      `${name} 有 ${was}，${why}，所以改为${how}发送（${now}）。`,
  },
  'zh-Hant': {
    overServerLimit: (limit: string) => `超過了本伺服器 ${limit} 的上傳上限`,
    overMessageLimit: '和其他圖片合起來超過了 Discord 一則訊息能接收的大小',
    asJpeg: '以 JPEG 格式',
    asJpegScaled: (percent: string) => `以 JPEG 格式、縮小到 ${percent}%`,
    smallerCopy: (name: string, was: string, why: string, how: string, now: string) =>
      `${name} 有 ${was}，${why}，所以改為${how}傳送（${now}）。`,
  },
});
