/** Bad input never spends on Discord: an invisible prompt, from the command or the Remix form, is refused. */
import { describe, expect, it } from 'vitest';
import { button, liveMarkupOutsideCode, modalSubmit, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 20 } });

describe('an invisible prompt on Discord', () => {
  it('is refused privately from /flux, with nothing queued or sent', async () => {
    const raw = slash({ prompt: '\u200B', model: 'klein-4b' });
    await t.send(raw);
    expect((await t.privateAnswer(raw.token)).content).toContain('Please add a prompt');
    expect(t.bfl.counts.submits).toBe(0);
    // Answered before anything public: no "thinking…" placeholder was made for it, or deleted.
    expect(t.discord.originalOf(raw.token)).toBeUndefined();
    expect(t.discord.calls.filter((c) => c.path.includes(raw.token))).toEqual([]);
  });

  it('is refused from the Remix form, and so is an option left empty there', async () => {
    await t.send(slash({ prompt: 'a visible fox', model: 'klein-4b' }));
    const result = await until(
      () => [...t.discord.messages.values()].find((m) => m.attachments.length),
      10_000,
      'result',
    );
    const remix = result.components[0]?.components.find((c) => c.label === 'Remix')?.custom_id as string;
    const form = (await t.send(button(remix))).body as { data: { custom_id: string } };
    const invisible = modalSubmit(form.data.custom_id, {
      prompt: '\u2060\uFEFF\u202E',
      model: 'klein-4b',
      size: '1024x1024',
      seed: '1',
    });
    await t.send(invisible);
    expect((await t.privateAnswer(invisible.token)).content).toContain('Please add a prompt');
    const emptyCount = modalSubmit(form.data.custom_id, { prompt: 'a fox', options: '--count=' });
    await t.send(emptyCount);
    expect((await t.privateAnswer(emptyCount.token)).content).toContain('`--count` (got `nothing`)');
    expect(t.bfl.counts.submits).toBe(1);
  });
});

describe('a refused option value on Discord', () => {
  it('stays inside its code span in the private answer: a backtick in it frees no link or mention', async () => {
    const size = 'x` [click me](http://evil.example) <@400000000000000002> <@U123> @everyone y';
    const raw = slash({ prompt: 'a fox', model: 'klein-4b', size });
    await t.send(raw);
    const { content } = await t.privateAnswer(raw.token);
    // Without the fix the member's backtick closes the span: the link and the mention become live.
    expect(liveMarkupOutsideCode(content)).toEqual([]);
    expect(content).toContain('`size` (got `xˋ [click me](http://evil.example)');
    expect(t.bfl.counts.submits).toBe(0);
  });
});
