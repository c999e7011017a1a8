import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RawInteraction } from '../../../src/bots/discord/payload.ts';
import { button, CHANNEL, slash } from '../../support/discord.ts';
import { type PrivateAnswer, useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 20 } });
const ADMIN = { id: '400000000000000050', permissions: String(1 << 5) };
const MEMBER = { id: '400000000000000060' };

function command(
  name: string,
  options: Record<string, string>,
  who: { id?: string; permissions?: string },
): RawInteraction {
  const raw = slash(options, who);
  if (raw.data) raw.data.name = name;
  return raw;
}

const ephemeral = (token: string) =>
  until(
    () =>
      [...t.discord.messages.values()].find(
        (m) =>
          m.flags & 64 &&
          t.discord.calls.some(
            (c) =>
              c.method === 'POST' &&
              c.path.includes(token) &&
              (c.body as { flags?: number })?.flags === 64 &&
              (c.body as { content?: string }).content === m.content,
          ),
      ),
    5_000,
    'private reply',
  );

/** /flux's private answer as its first response: no public "thinking…" is ever made for it, or deleted. */
async function privateFirst(raw: RawInteraction): Promise<PrivateAnswer> {
  const answer = await t.send(raw);
  expect(answer.body).toMatchObject({ type: 4, data: { flags: 64 } });
  expect(t.discord.originalOf(raw.token)).toBeUndefined();
  expect(t.discord.calls.filter((c) => c.method === 'DELETE' && c.path.includes(raw.token))).toEqual([]);
  return (answer.body as { data: PrivateAnswer }).data;
}

async function admin(text: string, who: { id?: string; permissions?: string } = ADMIN) {
  const raw = command('flux-admin', { command: text }, who);
  const answer = await t.send(raw);
  expect(answer.body).toEqual({ type: 5, data: { flags: 64 } });
  return ephemeral(raw.token);
}

describe('cost control on Discord', () => {
  it('refuses settings to a member without Manage Server, even if the command reached them', async () => {
    const reply = await admin('budget user day $1', MEMBER);
    expect(reply.content).toBe('Only server admins can change FLUX settings.');
  });

  it('round-trips every setting and shows them', async () => {
    for (const c of [
      'budget user day $0.50',
      'budget channel month $10',
      'budget server month $100',
      'models pro,klein-4b',
      'default-model klein-4b',
      'default-size 16:9',
      `safety 1 <#${CHANNEL}>`,
      'confirm $0.30',
      'reset-hour 6',
    ]) {
      expect((await admin(c)).content).toContain('Saved.');
    }
    const shown = (await admin('show')).content;
    for (const s of [
      'each user: $0.50 a day',
      'each channel: $10.00 a month',
      'server: $100.00 a month',
      'pro, klein-4b',
      'default klein-4b',
      'size 16:9',
      `<#${CHANNEL}> ≤ 1`,
      'Confirm above**: $0.30',
      '06:00 UTC',
    ]) {
      expect(shown).toContain(s);
    }
  });

  it('applies settings: allowed models, default model and the channel’s safety ceiling', async () => {
    await admin('models klein-4b,klein-9b');
    await admin('safety 1');
    const refused = slash({ prompt: 'a fox', model: 'max' });
    expect((await privateFirst(refused)).content).toContain('not allowed here');
    await admin('default-model klein-9b');
    await admin('default-size 16:9');
    await t.send(slash({ prompt: 'a fox', safety: 5 }));
    await until(() => t.bfl.tasks.size === 1, 5_000, 'submitted');
    expect([...t.bfl.tasks.values()][0]).toMatchObject({
      model: 'flux-2-klein-9b',
      body: { safety_tolerance: 1, width: 1360, height: 768 },
    });
  });

  it('refuses a job over a budget with what is left, when it resets and what would fit; warns past 80% privately', async () => {
    await admin('budget user day $0.05');
    const first = slash({ prompt: 'first fox', model: 'pro' });
    await t.send(first);
    const result = await until(
      () => [...t.discord.messages.values()].find((m) => m.attachments.length),
      10_000,
      'result',
    );
    // The budget is the requester's business: not in the public result, but in a private follow-up.
    expect(JSON.stringify(result.embeds)).not.toContain('% used');
    const warning = await ephemeral(first.token);
    expect(warning.content).toMatch(/^⚠️ 90% used — your daily budget: \$0\.005 left of \$0\.05/);
    expect(warning.flags & 64).toBe(64);
    const second = slash({ prompt: 'second fox', model: 'pro' });
    const reply = await privateFirst(second);
    expect(reply.content).toMatch(
      /would go over your daily budget: \$0\.005 left of \$0\.05 \(resets in \d+ h\); it needs ~\$0\.045/,
    );
    expect(reply.content).toContain('Even klein-4b at this size (≈ $0.015) would not fit until it resets.');
    expect(t.bfl.counts.submits).toBe(1);
  });

  it('suggests the dearest variant that fits in what is left', async () => {
    await admin('budget user day $0.02');
    const raw = slash({ prompt: 'a fox', model: 'pro' });
    const reply = await privateFirst(raw);
    expect(reply.content).toContain('it needs ~$0.045.');
    expect(reply.content).toContain('klein-9b at this size ≈ $0.017 — fits.');
    expect(t.bfl.counts.submits).toBe(0);
  });

  it('asks for confirmation privately above the threshold; the public card appears only once confirmed', async () => {
    await admin('confirm $0.01');
    const raw = slash({ prompt: 'costly fox', model: 'klein-4b' });
    const question = await privateFirst(raw);
    expect(question.content).toContain('estimated at **~$0.015**');
    const ids = question.components?.[0]?.components.map((c) => c.custom_id) ?? [];
    expect(ids).toEqual([expect.stringMatching(/^flux:confirm:/), expect.stringMatching(/^flux:cancel:/)]);
    const confirm = ids[0] as string;
    await new Promise((r) => setTimeout(r, 50));
    expect(t.bfl.counts.submits).toBe(0);
    // Nothing public yet: no "thinking…" placeholder was ever made (privateFirst) and no card names the prompt.
    const publicCards = () =>
      [...t.discord.messages.values()].filter(
        (m) => !m.deleted && !(m.flags & 64) && JSON.stringify(m.embeds).includes('costly fox'),
      );
    expect(publicCards()).toEqual([]);
    const stranger = button(confirm, MEMBER);
    await t.send(stranger);
    expect((await ephemeral(stranger.token)).content).toContain('Only the person');
    expect(publicCards()).toEqual([]);
    await t.send(button(confirm));
    await until(() => publicCards().length === 1, 5_000, 'public card once confirmed');
    await until(() => [...t.discord.messages.values()].find((m) => m.attachments.length), 10_000, 'result');
  });

  it('cancels a privately asked job without any public trace', async () => {
    await admin('confirm $0.01');
    const raw = slash({ prompt: 'unwanted fox', model: 'klein-4b' });
    const question = await privateFirst(raw);
    const cancel = question.components?.[0]?.components[1]?.custom_id as string;
    await t.send(button(cancel));
    await until(
      () =>
        [...t.discord.messages.values()].some(
          (m) => m.flags & 64 && m.content.startsWith('Not started: the image was cancelled'),
        ),
      5_000,
      'private cancel notice',
    );
    const publicMentions = [...t.discord.messages.values()].filter(
      (m) => !m.deleted && !(m.flags & 64) && JSON.stringify(m).includes('unwanted fox'),
    );
    expect(publicMentions).toEqual([]);
    expect(t.bfl.counts.submits).toBe(0);
  });

  it('shows the month’s spend next to the provider balance, and the balance as unavailable when BFL fails', async () => {
    await t.send(slash({ prompt: 'spent fox', model: 'klein-4b' }));
    await until(() => [...t.discord.messages.values()].find((m) => m.attachments.length), 10_000, 'result');
    t.bfl.configure({ credits: 1234.5 });
    const shown = (await admin('show')).content;
    expect(shown).toContain('**This month**: $0.045 spent here · provider balance $12.35');
    expect(shown).toContain('**Budgets**');
    const readsBefore = t.bfl.counts.credits;
    t.bfl.configure({ creditsStatus: 500 });
    // Answered even though the balance cannot be read.
    const failed = (await admin('show')).content;
    expect(failed).toContain('**This month**: $0.045 spent here · provider balance unavailable');
    expect(t.bfl.counts.credits).toBeGreaterThan(readsBefore);
  });

  it('shows a member their usage with a chart, and an admin the server’s totals', async () => {
    await t.send(slash({ prompt: 'spent fox', model: 'klein-4b' }));
    await until(() => [...t.discord.messages.values()].find((m) => m.attachments.length), 10_000, 'result');
    const mine = command('flux-usage', {}, {});
    await t.send(mine);
    const call = await until(
      () =>
        t.discord.calls.find(
          (c) => c.method === 'POST' && c.path.includes(mine.token) && c.files.length === 1,
        ),
      5_000,
      'usage reply',
    );
    expect((call.body as { content: string }).content).toContain('**Your spend**: today $0.045');
    expect((call.body as { flags: number }).flags).toBe(64);
    expect(call.files[0]?.type).toBe('image/png');
    const chart = [...t.discord.messages.values()].find(
      (m) => m.attachments[0]?.filename === 'flux-usage.png',
    );
    // The chart's alt text goes with the file as Discord's `description`, which screen readers read.
    const alt = (call.body as { attachments: Array<{ description?: string }> }).attachments[0]?.description;
    expect(alt).toMatch(
      /^Bar chart of your spend, last 30 days, by day: total \$0\.045; highest \$0\.045 on /,
    );
    expect(chart?.attachments[0]?.description).toBe(alt);

    const theirs = command('flux-usage', {}, ADMIN);
    await t.send(theirs);
    const adminCall = await until(
      () =>
        t.discord.calls.find(
          (c) => c.method === 'POST' && c.path.includes(theirs.token) && c.files.length === 1,
        ),
      5_000,
      'admin usage',
    );
    expect((adminCall.body as { content: string }).content).toContain('**Server this month**: $0.045');
    expect((adminCall.body as { content: string }).content).toContain('klein-4b $0.045');
  });
});

describe('the usage chart', () => {
  it('is a decodable PNG', async () => {
    const { spendChart } = await import('../../../src/commands/usage.ts');
    const png = await spendChart(
      [{ day: new Date().toISOString().slice(0, 10), model: 'pro', userId: 'u', micros: 45_000 }],
      Date.now(),
      'test',
    );
    const meta = await sharp(png.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 640, 240]);
  });
});
