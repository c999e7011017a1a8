/**
 * A Discord job whose stored delivery record was damaged (a hand edit, a bug elsewhere) is restored
 * after a restart as what it is: undeliverable, with its images kept for an admin — not a crash, and
 * not a delivery retried at every start. HTTP mode, the whole app, the fake Discord and the fake BFL.
 */
import { describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../fakes/discord-server.ts';
import { slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

const t = useDiscordApp({ bfl: { generationMs: 30 }, logs: true });

const results = () => [...t.discord.messages.values()].filter((m) => m.attachments.length > 0);
const jobIdOf = (m: FakeMessage) => m.components[0]?.components[0]?.custom_id?.split(':')[2] as string;

describe('a damaged Discord delivery record', () => {
  it('ends the job undeliverable after a restart, and the bot goes on answering', async () => {
    // The result is made but never heard of, so the job is still `ready` (to deliver) when the bot stops.
    t.discord.loseMessageAnswers = 1_000;
    const raw = slash({ prompt: 'damaged record fox', model: 'klein-4b' });
    await t.send(raw);
    const id = jobIdOf(await until(() => results()[0], 10_000, 'the message Discord made'));
    expect((await t.app.jobs.get(id))?.state).toBe('ready');
    // A key this process's own checkpoints never write (its thread was made), so nothing repairs it.
    await t.app.jobs.updateDelivery(id, { threadFailed: 'perhaps' });
    await t.app.stop();
    t.discord.loseMessageAnswers = 0;
    await t.start();

    await until(async () => (await t.app.jobs.get(id))?.state === 'undeliverable', 15_000, 'undeliverable');
    expect((await t.app.jobs.get(id))?.error).toMatchObject({ code: 'UNDELIVERABLE', charge: 'charged' });
    const ping = await t.send({ ...slash({}), type: 1 });
    expect(ping).toMatchObject({ status: 200, body: { type: 1 } });
    const logged = JSON.stringify(t.logs.lines());
    expect(logged).toContain('threadFailed');
    expect(logged).not.toContain(raw.token);
  });
});
