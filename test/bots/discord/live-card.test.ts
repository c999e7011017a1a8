/**
 * The live card on Discord, against the fakes: the first card already carries Cancel, its place in line
 * follows straight after, and while the image is made the card shows BFL's own progress.
 */
import { describe, expect, it } from 'vitest';
import { CHANNEL, post, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 3_000 } });

type Sent = {
  embeds?: Array<{ footer?: { text?: string } }>;
  components?: Array<{ components: Array<{ custom_id?: string }> }>;
};
const footer = (b: Sent) => b.embeds?.[0]?.footer?.text ?? '';
const ids = (b: Sent) => (b.components ?? []).flatMap((r) => r.components.map((c) => c.custom_id));

describe('the live card on Discord', () => {
  it('shows Cancel on the first card, then its place, then BFL’s progress while generating', async () => {
    const raw = slash({ prompt: 'slow fox', model: 'klein-4b' });
    t.discord.bindToken(raw.token, CHANNEL);
    await post(t.port, raw, t.keys.privateKey);
    const edits = () =>
      t.discord.calls
        .filter((c) => c.method === 'PATCH' && c.path.includes(raw.token))
        .map((c) => c.body as Sent);
    await until(() => edits().some((e) => /Generating · \d+% · \d+ s/.test(footer(e))), 10_000, 'progress');
    const [first, second] = edits();
    const jobId = ids(first as Sent)[0]?.replace('flux:cancel:', '') ?? '';
    expect((await t.app.jobs.get(jobId))?.request.prompt).toBe('slow fox');
    expect(footer(first as Sent)).toBe('Queued');
    expect(ids(first as Sent)).toEqual([`flux:cancel:${jobId}`]);
    expect(footer(second as Sent)).toMatch(/^Queued · (next|#\d+) in line$/);
    expect(ids(second as Sent)).toEqual([`flux:cancel:${jobId}`]);
    const shares = edits()
      .map((e) => /Generating · (\d+)% ·/.exec(footer(e))?.[1])
      .filter((s) => s !== undefined)
      .map(Number);
    expect(shares.every((s) => s >= 0 && s <= 100)).toBe(true);
  });
});
