/**
 * The other side of a platform burst, in its own process so none of its CPU counts against the bot:
 * it runs the fake BFL and the fake platform, then fires the burst the parent asks for and reports
 * each request's round trip once every result has arrived.
 * Protocol: prints {"bfl":…, "discordApi":…, "discordToken":…} then reads one JSON line
 * {"port", "privateKeyPem", "interactions"} from stdin, and prints {"answers":[…]} when done.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { Agent, request } from 'undici';
import { createInterface } from 'node:readline';
import { startFakeBfl } from '../test/fakes/bfl-server.ts';
import { startFakeDiscord } from '../test/fakes/discord-server.ts';
import { CHANNEL, until } from '../test/support/discord.ts';
import type { RawInteraction } from '../src/bots/discord/payload.ts';

const bfl = await startFakeBfl({ generationMs: 200 });
const discord = await startFakeDiscord();
process.stdout.write(`${JSON.stringify({ bfl: bfl.url, discordApi: discord.api, discordToken: discord.token })}\n`);

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const { port, privateKeyPem, interactions } = JSON.parse(line) as { port: number; privateKeyPem: string; interactions: RawInteraction[] };
  const key = createPrivateKey(privateKeyPem);
  for (const raw of interactions) discord.bindToken(raw.token, CHANNEL);
  // Everything signed and connections open before the clock starts, as at Discord's edge.
  const agent = new Agent({ connections: 200, pipelining: 0 });
  await Promise.all(Array.from({ length: 200 }, () => request(`http://127.0.0.1:${port}/healthz`, { dispatcher: agent }).then((r) => r.body.text())));
  const signed = interactions.map((raw) => {
    const body = JSON.stringify(raw);
    const timestamp = String(Math.floor(Date.now() / 1000));
    return { body, timestamp, signature: sign(null, Buffer.from(timestamp + body), key).toString('hex') };
  });
  const answers = await Promise.all(
    signed.map(async (s) => {
      const t0 = performance.now();
      const res = await request(`http://127.0.0.1:${port}/discord/interactions`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'x-signature-ed25519': s.signature, 'x-signature-timestamp': s.timestamp },
        body: s.body,
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: JSON.parse(text) as unknown, ms: performance.now() - t0 };
    }),
  );
  await agent.close();
  const want = interactions.length;
  await until(() => [...discord.messages.values()].filter((m) => m.attachments.length).length >= want, 180_000, 'all results');
  process.stdout.write(`${JSON.stringify({ answers: answers.map((a) => ({ status: a.status, type: (a.body as { type?: number } | undefined)?.type, ms: a.ms })) })}\n`);
  break;
}
await discord.close();
await bfl.close();
