import { beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL, post, slash } from '../../support/discord.ts';
import { useDiscordApp } from '../../support/discord-app.ts';
import { until } from '../../support/until.ts';

/** The bot's clock, held still where a test needs the exact edge of the 5 minutes. */
let frozen: number | undefined;
const now = () => frozen ?? Date.now();
beforeEach(() => {
  frozen = undefined;
});
const t = useDiscordApp({ bfl: { generationMs: 20 }, now, logs: true });

const ping = () => ({ ...slash({}), type: 1 });
const errorLines = () => t.logs.lines().filter((l) => Number(l.level) >= 50);

describe('a signed interaction is acted on once', () => {
  it('refuses the same interaction sent again with 401 and starts one job, even after a restart', async () => {
    const raw = slash({ prompt: 'a fox, once', model: 'klein-4b' });
    t.discord.bindToken(raw.token, CHANNEL);
    expect((await post(t.port, raw, t.keys.privateKey)).body).toEqual({ type: 5 });
    // Signed afresh, as a replayer within the 5 minutes would: the signature alone cannot tell.
    expect(await post(t.port, raw, t.keys.privateKey)).toMatchObject({
      status: 401,
      body: { error: 'interaction already handled' },
    });
    await until(() => [...t.discord.messages.values()].find((m) => m.attachments.length), 10_000, 'result');

    await t.restart();
    expect((await post(t.port, raw, t.keys.privateKey)).status).toBe(401);
    expect(t.bfl.counts.submits).toBe(1);
    expect(errorLines()).toEqual([]);
  });

  it('refuses a timestamp an hour old or an hour ahead with 401, before any work', async () => {
    const old = slash({ prompt: 'a stale fox', model: 'klein-4b' });
    expect((await post(t.port, old, t.keys.privateKey, { at: Date.now() - 3600_000 })).status).toBe(401);
    const ahead = slash({ prompt: 'a future fox', model: 'klein-4b' });
    expect((await post(t.port, ahead, t.keys.privateKey, { at: Date.now() + 3600_000 })).status).toBe(401);
    // Answered before the handler: nothing was queued, and the ids are still unclaimed.
    expect(t.bfl.counts.submits).toBe(0);
    t.discord.bindToken(old.token, CHANNEL);
    expect((await post(t.port, old, t.keys.privateKey)).body).toEqual({ type: 5 });
  });

  it('accepts a timestamp exactly 5 minutes old or ahead, and not a millisecond more', async () => {
    const signedAt = Math.floor(Date.now() / 1000) * 1000;
    const at = async (clock: number) => {
      frozen = clock;
      return (await post(t.port, ping(), t.keys.privateKey, { at: signedAt })).status;
    };
    expect(await at(signedAt + 300_000)).toBe(200);
    expect(await at(signedAt - 300_000)).toBe(200);
    expect(await at(signedAt + 300_001)).toBe(401);
    expect(await at(signedAt - 300_001)).toBe(401);
  });
});

describe('a body Discord would never send', () => {
  it('over the limit is answered 413, not logged as an error', async () => {
    const body = JSON.stringify({ ...ping(), padding: 'x'.repeat(1024 * 1024) });
    const res = await post(t.port, ping(), t.keys.privateKey, { body });
    expect(res).toMatchObject({ status: 413, body: { error: 'payload too large' } });
    expect(errorLines()).toEqual([]);
    // The server goes on answering.
    expect((await post(t.port, ping(), t.keys.privateKey)).body).toEqual({ type: 1 });
  });

  it('that is not an interaction object (null, [], "x", {}) is answered 400, not logged as an error', async () => {
    for (const body of ['null', '[]', '"x"', '{}', '{"id":1,"type":"2"}', 'not json']) {
      const res = await post(t.port, ping(), t.keys.privateKey, { body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect(errorLines()).toEqual([]);
    expect(t.logs.lines().some((l) => l.msg === 'signed interaction is not an interaction object')).toBe(
      true,
    );
  });
});
