/**
 * What a member is told privately along the way of a job — the confirmation question, who may press a
 * button, deleting, a result that could not be posted — in every language.
 */
import { defineMessages } from '../i18n/define.ts';

/** Button actions as English verbs (`use-ref` and `final` are ids, not words). */
const VERB: Record<string, string> = { 'use-ref': 'use', final: 'finalize', retry: 'retry' };

export const flowTexts = defineMessages('flux-flow', {
  en: {
    confirmAsk: (cost: string) =>
      `This image is estimated at **~${cost}**, above this server's confirmation threshold. Confirm within 5 minutes to start it; nothing is charged until then.`,
    onlyOwner: (action: string) =>
      `Only the person who asked for this image or an admin can ${VERB[action] ?? action} it.`,
    onlyRequesterConfirms: 'Only the person who asked for this image can confirm it.',
    alreadyConfirmed: 'Already confirmed: the image is on its way.',
    cancelledUnconfirmed:
      'Not started: the image was cancelled before it was confirmed. Nothing was charged.',
    deleteNoPlace: 'Not deleted: this bot no longer serves the place this image was posted in.',
    deleteFailed: (what: string) =>
      `Not deleted: ${what}. Press Delete again in a moment, or remove it by hand.`,
    deletedBy: (name: string) => `Deleted by ${name}`,
    deletedStatus: 'Deleted',
    deleted: 'Deleted.',
    undeliverable: (cost: string, jobId: string) =>
      `Your /flux image is ready, but I can no longer post in the channel where you asked for it ` +
      `(I may have been removed, or the channel or thread was closed). It was generated and charged (${cost}). ` +
      `If it is not attached here, an admin can find it as job ${jobId}.`,
    notDelivered: 'Not delivered',
    notDeliveredSummary: 'Not delivered: I can no longer post here · the requester was told privately',
  },
  'zh-Hans': {
    confirmAsk: (cost: string) =>
      `这张图片预估 **~${cost}**，超过了本服务器的确认门槛。请在 5 分钟内确认后开始生成；确认之前不会扣费。`,
    onlyOwner: (_action: string) => '只有请求这张图片的人或管理员才能这样做。',
    onlyRequesterConfirms: '只有请求这张图片的人才能确认。',
    alreadyConfirmed: '已经确认过了：图片正在生成。',
    cancelledUnconfirmed: '未开始：这张图片在确认前已取消，没有扣费。',
    deleteNoPlace: '未删除：机器人已不再服务于这张图片所在的位置。',
    deleteFailed: (what: string) => `未删除：${what}。请稍后再按一次“删除”，或手动删除。`,
    deletedBy: (name: string) => `已被 ${name} 删除`,
    deletedStatus: '已删除',
    deleted: '已删除。',
    undeliverable: (cost: string, jobId: string) =>
      `你的 /flux 图片已生成，但我已无法在你发起请求的频道发帖（我可能被移出了频道，或频道、话题已关闭）。` +
      `图片已生成并扣费（${cost}）。如果这里没有附上图片，管理员可以通过任务 ${jobId} 找到它。`,
    notDelivered: '未送达',
    notDeliveredSummary: '未送达：我已无法在这里发帖 · 已私下通知请求者',
  },
  'zh-Hant': {
    confirmAsk: (cost: string) =>
      `這張圖片預估 **~${cost}**，超過了本伺服器的確認門檻。請在 5 分鐘內確認後開始產生；確認之前不會收費。`,
    onlyOwner: (_action: string) => '只有請求這張圖片的人或管理員才能這樣做。',
    onlyRequesterConfirms: '只有請求這張圖片的人才能確認。',
    alreadyConfirmed: '已經確認過了：圖片正在產生。',
    cancelledUnconfirmed: '未開始：這張圖片在確認前已取消，沒有收費。',
    deleteNoPlace: '未刪除：機器人已不再服務這張圖片所在的位置。',
    deleteFailed: (what: string) => `未刪除：${what}。請稍後再按一次「刪除」，或手動刪除。`,
    deletedBy: (name: string) => `已被 ${name} 刪除`,
    deletedStatus: '已刪除',
    deleted: '已刪除。',
    undeliverable: (cost: string, jobId: string) =>
      `你的 /flux 圖片已產生，但我已無法在你提出請求的頻道發文（我可能被移出了頻道，或頻道、討論串已關閉）。` +
      `圖片已產生並收費（${cost}）。如果這裡沒有附上圖片，管理員可以用工作 ${jobId} 找到它。`,
    notDelivered: '未送達',
    notDeliveredSummary: '未送達：我已無法在這裡發文 · 已私下通知請求者',
  },
});
