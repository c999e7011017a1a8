/**
 * A job belongs to its server: an administrator of another server who holds a job's id (a forwarded
 * message, a copied custom_id) gets "not found" from every button and form, exactly as for an id that
 * never existed — nothing starts, nothing is charged, and no form shows the other server's prompt.
 */
import { describe, expect, it } from 'vitest';
import type { RawInteraction } from '../../../src/bots/discord/payload.ts';
import { button, modalSubmit, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const OTHER_GUILD = '200000000000000099';
/** Administrator + Manage Messages: every right a member can have, in their own server. */
const ADMIN_PERMS = String((1 << 3) | (1 << 5) | (1 << 13));
const ADMIN_OF_A = { id: '400000000000000050', permissions: ADMIN_PERMS };
const ADMIN_OF_B = { id: '400000000000000077', permissions: ADMIN_PERMS };
const GHOST = '00000000-0000-0000-0000-000000000000';

const t = useDiscordApp({ bfl: { generationMs: 20 } });

function inGuild(raw: RawInteraction, guildId: string | undefined): RawInteraction {
  if (guildId) raw.guild_id = guildId;
  return raw;
}

/** The private answer posted with this interaction's token, once the handler has sent it. */
const results = () => [...t.discord.messages.values()].filter((m) => m.attachments.length > 0);

/** A delivered job of server A, and one of A's waiting for its requester's confirmation. */
async function jobsOfServerA() {
  await t.send(slash({ prompt: 'the secret fox of server A', model: 'klein-4b' }));
  const result = await until(() => results()[0], 10_000, 'result');
  const delivered = result.components[0]?.components[0]?.custom_id?.split(':')[2] as string;
  const admin = slash({ command: 'confirm $0.01' }, ADMIN_OF_A);
  if (admin.data) admin.data.name = 'flux-admin';
  await t.send(admin);
  await t.privateAnswer(admin.token);
  const costly = slash({ prompt: 'the waiting fox of server A', model: 'klein-4b' });
  await t.send(costly);
  // The confirmation is asked privately: its buttons are on the private answer, not on a public card.
  const question = await t.privateAnswer(costly.token);
  const waiting = question.components?.[0]?.components
    .find((c) => c.label?.startsWith('Confirm'))
    ?.custom_id?.split(':')[2] as string;
  expect(waiting).toBeTruthy();
  expect((await t.app.jobs.get(waiting))?.state).toBe('awaiting_confirmation');
  return { delivered, waiting, result };
}

describe('a job belongs to its Discord server', () => {
  it('answers every button pressed by an admin of another server with "not found", starting and charging nothing', async () => {
    const { delivered, waiting, result } = await jobsOfServerA();
    const ghostPress = inGuild(button(`flux:cancel:${GHOST}`, ADMIN_OF_B), OTHER_GUILD);
    await t.send(ghostPress);
    const notFound = (await t.privateAnswer(ghostPress.token)).content;
    expect(notFound).toContain('no longer known');
    const submitsBefore = t.bfl.counts.submits;
    const messagesBefore = t.discord.messages.size;

    const presses: Array<[string, string]> = [
      ['cancel', waiting],
      ['confirm', waiting],
      ['reroll', delivered],
      ['delete', delivered],
      ['remix', delivered],
      ['use-ref', delivered],
    ];
    for (const [action, jobId] of presses) {
      const press = inGuild(button(`flux:${action}:${jobId}`, ADMIN_OF_B), OTHER_GUILD);
      const answer = await t.send(press);
      // Remix and Use as reference would answer with a form (type 9): they must not.
      expect(JSON.stringify(answer.body), action).not.toContain('"type":9');
      expect(JSON.stringify(answer.body), action).not.toContain('secret fox');
      const text =
        answer.body && (answer.body as { type: number }).type === 4
          ? (answer.body as { data: { content: string } }).data.content
          : (await t.privateAnswer(press.token)).content;
      expect(text, action).toBe(notFound);
    }

    expect(t.bfl.counts.submits).toBe(submitsBefore);
    expect((await t.app.jobs.get(waiting))?.state).toBe('awaiting_confirmation');
    expect(result.deleted).toBe(false);
    // Only the private answers were posted: no card, no result.
    const publicSince = [...t.discord.messages.values()].slice(messagesBefore).filter((m) => !(m.flags & 64));
    expect(publicSince).toEqual([]);
  });

  it('refuses a Remix or reference form submitted from another server, without a job or a charge', async () => {
    const { delivered } = await jobsOfServerA();
    const submitsBefore = t.bfl.counts.submits;
    for (const form of ['remix', 'ref']) {
      const submit = inGuild(
        modalSubmit(
          `flux:form:${form}:${delivered}`,
          { prompt: 'stolen fox', model: 'klein-4b', size: '1024x1024', seed: '' },
          ADMIN_OF_B,
        ),
        OTHER_GUILD,
      );
      await t.send(submit);
      expect((await t.privateAnswer(submit.token)).content, form).toContain('no longer known');
    }
    expect(t.bfl.counts.submits).toBe(submitsBefore);
    expect(results()).toHaveLength(1);
  });

  it('still lets an admin of the job’s own server cancel it', async () => {
    const { waiting } = await jobsOfServerA();
    await t.send(button(`flux:cancel:${waiting}`, ADMIN_OF_A));
    await until(async () => (await t.app.jobs.get(waiting))?.state === 'cancelled', 5_000, 'cancelled');
  });

  it('keeps a job made in a DM usable there by its requester, and out of reach of a server admin', async () => {
    await t.send(slash({ prompt: 'a fox in my DMs', model: 'klein-4b' }, {}, { guild: false }));
    const result = await until(() => results()[0], 10_000, 'DM result');
    const remix = result.components[0]?.components.find((c) => c.label === 'Remix')?.custom_id as string;

    const mine = button(remix);
    delete mine.guild_id;
    delete mine.member;
    mine.user = { id: '400000000000000001', username: 'ana', global_name: 'Ana' };
    const form = (await t.send(mine)).body as { type: number; data: { components: unknown[] } };
    expect(form.type).toBe(9);
    expect(JSON.stringify(form.data.components)).toContain('a fox in my DMs');

    const admin = button(remix, ADMIN_OF_A);
    const answer = (await t.send(admin)).body as { type: number; data: { content: string } };
    expect(answer.type).toBe(4);
    expect(answer.data.content).toContain('no longer known');
  });
});
