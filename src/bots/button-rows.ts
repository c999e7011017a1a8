/**
 * How buttons are laid out on both platforms: the job-wide ones first, then one row per per-image action
 * (Reroll 1 … 4 in one row, Remix 1 … 4 in the next), so the numbers line up under each other. Discord
 * takes 5 buttons a row and 5 rows; Slack's actions block takes 25 elements, and a message 50 blocks.
 */
import type { Button } from '../commands/context.ts';

export function buttonGroups(buttons: readonly Button[], perRow: number): Button[][] {
  const rows: Button[][] = [];
  const whole = buttons.filter((b) => b.index === undefined);
  for (let i = 0; i < whole.length; i += perRow) rows.push(whole.slice(i, i + perRow));
  const byAction = new Map<string, Button[]>();
  for (const b of buttons) {
    if (b.index === undefined) continue;
    const row = byAction.get(b.action) ?? [];
    row.push(b);
    byAction.set(b.action, row);
  }
  for (const row of byAction.values()) rows.push(row.slice(0, perRow));
  return rows;
}
