/**
 * Recall and drafts on Discord, against the fake Discord and the fake BFL: a result's short id,
 * `/flux-show` and `/flux-history` answered privately (and nothing of another server), a draft
 * submitted to flex at few steps and Final to the model asked for with the same seed and size.
 */
import { describe, expect, it } from 'vitest';
import type { RawInteraction } from '../../../src/bots/discord/payload.ts';
import { DRAFT_STEPS } from '../../../src/commands/flux/draft.ts';
import { button, GUILD, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 20 } });
// Manage Server (settings) and Manage Messages (other members' jobs).
const ADMIN = { id: '400000000000000050', permissions: String((1 << 5) | (1 << 13)) };
const BOB = { id: '400000000000000060' };

function command(name: string, options: Record<string, string>, who = {}): RawInteraction {
  const raw = slash(options, who);
  if (raw.data) raw.data.name = name;
  return raw;
}

/** The private answer to a command: deferred privately first, then its text with the same token. */
async function ask(raw: RawInteraction): Promise<string> {
  const answer = await t.send(raw);
  expect(answer.body).toEqual({ type: 5, data: { flags: 64 } });
  return (await t.privateAnswer(raw.token)).content;
}

const results = () => [...t.discord.messages.values()].filter((m) => m.attachments.length);
const idOf = (m: { components: Array<{ components: Array<{ custom_id?: string }> }> }, action: string) =>
  m.components
    .flatMap((r) => r.components)
    .map((c) => c.custom_id ?? '')
    .find((id) => id.startsWith(`flux:${action}:`))
    ?.slice(`flux:${action}:`.length);

describe('recall on Discord', () => {
  it('shows the short id on the result, and everything about the job privately with /flux-show', async () => {
    await t.send(slash({ prompt: 'a red fox', model: 'klein-4b', seed: 42, size: '1360x768' }));
    const result = await until(() => results()[0], 10_000, 'result');
    const jobId = idOf(result, 'reroll') as string;
    const short = `#${jobId.slice(0, 8)}`;
    expect(JSON.stringify(result.embeds)).toContain(short);
    // The result message is posted before the job is recorded delivered.
    await until(async () => (await t.app.jobs.get(jobId))?.state === 'delivered', 5_000, 'delivered');

    const shown = await ask(command('flux-show', { id: short }));
    expect(shown.split('\n')[0]).toBe(`**Job ${short}** · Delivered`);
    expect(shown).toContain('Prompt: `a red fox`');
    expect(shown).toContain('Seed: `42`');
    expect(shown).toContain('Cost: $0.');
    expect(shown).toMatch(/Result: https:\/\/discord\.com\/channels\//);
    expect(shown).toContain(
      'To make it again: `/flux prompt:a red fox model:klein-4b size:1360x768 seed:42 count:1 safety:2 format:jpeg`',
    );

    // A server admin may look it up; another member may not, nor anyone in another server.
    expect(await ask(command('flux-show', { id: short }, ADMIN))).toContain('a red fox');
    const bob = await ask(command('flux-show', { id: short }, BOB));
    expect(bob).toBe(`No job \`${short}\` that you can see here. \`/flux-history\` lists your recent jobs.`);
    const elsewhere = command('flux-show', { id: short }, ADMIN);
    elsewhere.guild_id = `${GUILD.slice(0, -1)}9`;
    expect(await ask(elsewhere)).not.toContain('a red fox');

    const history = await ask(command('flux-history', {}));
    expect(history.split('\n')[0]).toBe('**Your last 1 jobs here**');
    expect(history).toContain(`\`${short}\` · Delivered · $0.`);
    expect(history.split('\n').at(-1)).toBe('Everything about one of them: `/flux-show id:…`');
    expect(await ask(command('flux-history', {}, BOB))).toBe(
      'You have made no images here yet. Start with `/flux`.',
    );
  });
});

describe('draft, then final, on Discord', () => {
  it('drafts on flex at few steps where klein is not allowed, and Final renders max with the same seed', async () => {
    expect(await ask(command('flux-admin', { command: 'models pro,max,flex' }, ADMIN))).toContain('Saved.');
    await t.send(slash({ prompt: 'a red fox', model: 'max', draft: true, seed: 9, size: '1248x832' }));
    const draft = await until(() => results()[0], 10_000, 'draft result');
    const [first] = [...t.bfl.tasks.values()];
    expect(first).toMatchObject({
      model: 'flux-2-flex',
      body: { prompt: 'a red fox', steps: DRAFT_STEPS, seed: 9, width: 1248, height: 832 },
    });
    const finalButton = draft.components
      .flatMap((r) => r.components)
      .find((c) => c.custom_id?.startsWith('flux:final:'));
    expect(finalButton?.label).toBe('Final · FLUX.2 [max] ~$0.10');
    const fields = (draft.embeds[0]?.fields ?? []) as Array<{ name: string; value: string }>;
    // Both costs: the draft's actual, the final's estimate (embed text escaped for Discord's markdown).
    expect(fields.find((f) => f.name === 'Cost')?.value).toBe('$0.045');
    expect(fields.find((f) => f.name === 'Draft · Final would be')?.value).toBe(
      'FLUX.2 \\[max\\] at full quality, same prompt, seed and size · \\~$0.10',
    );

    const press = await t.send(button(finalButton?.custom_id as string));
    expect(press.body).toEqual({ type: 6 });
    await until(() => t.bfl.tasks.size === 2, 10_000, 'final submitted');
    const final = [...t.bfl.tasks.values()][1];
    expect(final?.model).toBe('flux-2-max');
    expect(final?.body).toMatchObject({ prompt: 'a red fox', seed: 9, width: 1248, height: 832 });
    expect(final?.body).not.toHaveProperty('steps');
  });
});
