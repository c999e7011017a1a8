/**
 * What an option allows, in the member's language. The core states it in English (`ValidationError
 * .allowed`, next to the rule that checks it); the phrasings it uses are few and fixed, so they are
 * matched here and said again in Chinese. Lists of ids (`pro, max, …`) and anything unknown stay as
 * written — ids are what the member types either way.
 */
import type { Locale } from '../i18n/locale.ts';

type Say = (...m: string[]) => string;
type Rule = [RegExp, { 'zh-Hans': Say; 'zh-Hant': Say }];

const RULES: Rule[] = [
  [
    /^a whole number from (\S+) to (\S+)(, or off)?$/,
    {
      'zh-Hans': (a, b, off) => `${a} 到 ${b} 之间的整数${off ? '，或 off' : ''}`,
      'zh-Hant': (a, b, off) => `${a} 到 ${b} 之間的整數${off ? '，或 off' : ''}`,
    },
  ],
  [
    /^a number from (\S+) to (\S+)$/,
    {
      'zh-Hans': (a, b) => `${a} 到 ${b} 之间的数字`,
      'zh-Hant': (a, b) => `${a} 到 ${b} 之間的數字`,
    },
  ],
  [/^a value such as (.+)$/, { 'zh-Hans': (e) => `例如 ${e} 的值`, 'zh-Hant': (e) => `例如 ${e} 的值` }],
  [/^on or off$/, { 'zh-Hans': () => 'on 或 off', 'zh-Hant': () => 'on 或 off' }],
  [/^only with model flex$/, { 'zh-Hans': () => '仅限 flex 模型', 'zh-Hant': () => '僅限 flex 模型' }],
  [
    /^off: (\S+) has no prompt upsampling$/,
    {
      'zh-Hans': (m) => `off：${m} 没有提示词增强`,
      'zh-Hant': (m) => `off：${m} 沒有提示詞增強`,
    },
  ],
  [
    /^a description of the image, (\d+) to (\d+) characters$/,
    {
      'zh-Hans': (a, b) => `对图片的描述，${a} 到 ${b} 个字符`,
      'zh-Hant': (a, b) => `對圖片的描述，${a} 到 ${b} 個字元`,
    },
  ],
  [
    /^at most (\d+) characters$/,
    { 'zh-Hans': (n) => `最多 ${n} 个字符`, 'zh-Hant': (n) => `最多 ${n} 個字元` },
  ],
  [
    /^WxH in multiples of 16 \(64 px minimum, 4 MP maximum, e\.g\. (\S+)\) or an aspect ratio such as (\S+)$/,
    {
      'zh-Hans': (e, r) => `宽x高，均为 16 的倍数（最小 64 像素，最大 4 MP，例如 ${e}），或宽高比，例如 ${r}`,
      'zh-Hant': (e, r) => `寬x高，皆為 16 的倍數（最小 64 像素，最大 4 MP，例如 ${e}），或寬高比，例如 ${r}`,
    },
  ],
  [
    /^WxH in multiples of 16 with each side at most (\d+) on this image service \(e\.g\. (\S+)\)$/,
    {
      'zh-Hans': (n, e) => `宽x高，均为 16 的倍数，此图片服务每边最多 ${n}（例如 ${e}）`,
      'zh-Hant': (n, e) => `寬x高，皆為 16 的倍數，此圖片服務每邊最多 ${n}（例如 ${e}）`,
    },
  ],
  [
    /^at most (\d+) images with (\S+)$/,
    {
      'zh-Hans': (n, m) => `${m} 最多 ${n} 张图片`,
      'zh-Hant': (n, m) => `${m} 最多 ${n} 張圖片`,
    },
  ],
  [
    /^PNG, JPEG, WebP or GIF images up to (\d+) MB$/,
    {
      'zh-Hans': (n) => `PNG、JPEG、WebP 或 GIF 图片，最大 ${n} MB`,
      'zh-Hant': (n) => `PNG、JPEG、WebP 或 GIF 圖片，最大 ${n} MB`,
    },
  ],
  [
    /^an http\(s\) link to an image$/,
    { 'zh-Hans': () => '图片的 http(s) 链接', 'zh-Hant': () => '圖片的 http(s) 連結' },
  ],
  [/^a link to an image$/, { 'zh-Hans': () => '图片链接', 'zh-Hant': () => '圖片連結' }],
  [
    /^at most (\d+) images waiting per person; you have (\d+)$/,
    {
      'zh-Hans': (n, k) => `每人最多 ${n} 张等待中的图片；你已有 ${k} 张`,
      'zh-Hant': (n, k) => `每人最多 ${n} 張等待中的圖片；你已有 ${k} 張`,
    },
  ],
  [
    /^no value: write it alone$/,
    { 'zh-Hans': () => '不带值：单独写出', 'zh-Hant': () => '不帶值：單獨寫出' },
  ],
  [
    /^an amount in USD such as (\S+)$/,
    {
      'zh-Hans': (e) => `以美元计的金额，例如 ${e}`,
      'zh-Hant': (e) => `以美元計的金額，例如 ${e}`,
    },
  ],
  [/^a @user or #channel mention$/, { 'zh-Hans': () => '@成员 或 #频道', 'zh-Hant': () => '@成員 或 #頻道' }],
  [
    /^user, channel or server$/,
    { 'zh-Hans': () => 'user、channel 或 server', 'zh-Hant': () => 'user、channel 或 server' },
  ],
  [/^day or month$/, { 'zh-Hans': () => 'day 或 month', 'zh-Hant': () => 'day 或 month' }],
  [
    /^all, or a comma-separated list of (.+)$/,
    {
      'zh-Hans': (l) => `all，或用逗号分隔的 ${l}`,
      'zh-Hant': (l) => `all，或以逗號分隔的 ${l}`,
    },
  ],
];

export function allowedIn(allowed: string, locale: Locale): string {
  if (locale === 'en') return allowed;
  for (const [pattern, say] of RULES) {
    const m = pattern.exec(allowed);
    if (m) return say[locale](...m.slice(1).map((g) => g ?? ''));
  }
  return allowed;
}
