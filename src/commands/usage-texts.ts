/** What /flux-usage and budget answers say, in every language (usage.ts and flux/budget-fit.ts). */
import { defineMessages } from './i18n/define.ts';

export const usageTexts = defineMessages('usage', {
  en: {
    yourSpend: (today: string, month: string) => `**Your spend**: today ${today} · this month ${month}`,
    noBudgets: 'No budgets apply to you here.',
    serverMonth: (total: string) => `**Server this month**: ${total}`,
    byModel: (list: string) => `By model: ${list}`,
    nothingYet: 'nothing yet',
    topSpenders: (list: string) => `Top spenders: ${list}`,
    nobodyYet: 'nobody yet',
    chartServer: 'Server spend, last 30 days',
    chartYours: 'Your spend, last 30 days',
    chartTotal: (title: string, total: string) => `${title} · total ${total}`,
    chartAlt: (title: string, total: string, peak: string, day: string, days: string) =>
      `Bar chart of ${title.toLowerCase()}, by day: total ${total}; highest ${peak} on ${day}; spending on ${days} of 30 days.`,
    chartAltNone: (title: string) => `Bar chart of ${title.toLowerCase()}, by day: nothing spent.`,
    whoServer: 'the server’s',
    whoChannel: 'this channel’s',
    whoYour: 'your',
    daily: 'daily',
    monthly: 'monthly',
    budgetLine: (who: string, period: string, left: string, limit: string, resets: string) =>
      `${who} ${period} budget: ${left} left of ${limit} (resets in ${resets})`,
    hours: (n: string) => `${n} h`,
    days: (n: string) => `${n} days`,
    used: (percent: string, line: string) => `${percent}% used — ${line}`,
    fits: (model: string, images: string, cost: string) => `${model}${images} at this size ≈ ${cost} — fits.`,
    fewerImages: (n: string) => `, ${n} image${n === '1' ? '' : 's'}`,
    nothingFits: (model: string, cost: string) =>
      `Even ${model} at this size (≈ ${cost}) would not fit until it resets.`,
    noModelTakesRefs: 'No allowed model takes this many references.',
  },
  'zh-Hans': {
    yourSpend: (today: string, month: string) => `**你的花费**：今天 ${today} · 本月 ${month}`,
    noBudgets: '这里没有适用于你的预算。',
    serverMonth: (total: string) => `**本服务器本月**：${total}`,
    byModel: (list: string) => `按模型：${list}`,
    nothingYet: '暂无',
    topSpenders: (list: string) => `花费最多：${list}`,
    nobodyYet: '暂无',
    chartServer: '服务器花费，最近 30 天',
    chartYours: '你的花费，最近 30 天',
    chartTotal: (title: string, total: string) => `${title} · 合计 ${total}`,
    chartAlt: (title: string, total: string, peak: string, day: string, days: string) =>
      `按天显示的柱状图（${title}）：合计 ${total}；最高为 ${day} 的 ${peak}；30 天中有 ${days} 天有花费。`,
    chartAltNone: (title: string) => `按天显示的柱状图（${title}）：没有花费。`,
    whoServer: '服务器的',
    whoChannel: '本频道的',
    whoYour: '你的',
    daily: '每日',
    monthly: '每月',
    budgetLine: (who: string, period: string, left: string, limit: string, resets: string) =>
      `${who}${period}预算：剩余 ${left}，共 ${limit}（${resets}后重置）`,
    hours: (n: string) => `${n} 小时`,
    days: (n: string) => `${n} 天`,
    used: (percent: string, line: string) => `已用 ${percent}% — ${line}`,
    fits: (model: string, images: string, cost: string) =>
      `${model}${images}在此尺寸下约 ${cost}——在预算内。`,
    fewerImages: (n: string) => `、${n} 张`,
    nothingFits: (model: string, cost: string) =>
      `即使用 ${model} 在此尺寸下（约 ${cost}）也要等预算重置后才够。`,
    noModelTakesRefs: '没有允许的模型能接受这么多参考图。',
  },
  'zh-Hant': {
    yourSpend: (today: string, month: string) => `**你的花費**：今天 ${today} · 本月 ${month}`,
    noBudgets: '這裡沒有適用於你的預算。',
    serverMonth: (total: string) => `**本伺服器本月**：${total}`,
    byModel: (list: string) => `依模型：${list}`,
    nothingYet: '尚無',
    topSpenders: (list: string) => `花費最多：${list}`,
    nobodyYet: '尚無',
    chartServer: '伺服器花費，最近 30 天',
    chartYours: '你的花費，最近 30 天',
    chartTotal: (title: string, total: string) => `${title} · 合計 ${total}`,
    chartAlt: (title: string, total: string, peak: string, day: string, days: string) =>
      `按日顯示的長條圖（${title}）：合計 ${total}；最高為 ${day} 的 ${peak}；30 天中有 ${days} 天有花費。`,
    chartAltNone: (title: string) => `按日顯示的長條圖（${title}）：沒有花費。`,
    whoServer: '伺服器的',
    whoChannel: '本頻道的',
    whoYour: '你的',
    daily: '每日',
    monthly: '每月',
    budgetLine: (who: string, period: string, left: string, limit: string, resets: string) =>
      `${who}${period}預算：剩餘 ${left}，共 ${limit}（${resets}後重設）`,
    hours: (n: string) => `${n} 小時`,
    days: (n: string) => `${n} 天`,
    used: (percent: string, line: string) => `已用 ${percent}% — ${line}`,
    fits: (model: string, images: string, cost: string) =>
      `${model}${images}在此尺寸下約 ${cost}——在預算內。`,
    fewerImages: (n: string) => `、${n} 張`,
    nothingFits: (model: string, cost: string) =>
      `即使用 ${model} 在此尺寸下（約 ${cost}）也要等預算重設後才夠。`,
    noModelTakesRefs: '沒有允許的模型能接受這麼多參考圖。',
  },
});
