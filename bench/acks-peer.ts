/**
 * The far side of the ack bench (acks.ts), in its own process: the fake BFL (long generations, so jobs
 * in flight are being polled) and the fake platform (argv: discord | slack, then the generation ms), and
 * the load client. Protocol, one JSON line each way: it prints {"bfl", "platform"}; then per line read:
 *   {"op":"open","port","requests":[{path,headers,body}],"bind"?,"slackSecret"?,"offsetsMs"?} → {}
 *     (raw-client.ts: a connection per request opened and warmed, requests serialised and signed)
 *   {"op":"fire"} → {"answers":[{status,body,ms}],"writeMs"}: the opened burst, all at once or at the
 *     given offsets
 *   {"op":"state"} → {"active": tasks generating, "polled": of those, how many were polled already,
 *     "messages": messages the bot has posted}
 */
import { createInterface } from 'node:readline';
import { startFakeBfl } from '../test/fakes/bfl-server.ts';
import { startFakeDiscord } from '../test/fakes/discord-server.ts';
import { startFakeSlack } from '../test/fakes/slack-server.ts';
import type { Prepared } from './bots.ts';
import { type Burst, prepareBurst } from './raw-client.ts';

const platform = process.argv[2] === 'slack' ? 'slack' : 'discord';
const bfl = await startFakeBfl({ generationMs: Number(process.argv[3] ?? 15_000) });
const discord = platform === 'discord' ? await startFakeDiscord() : undefined;
const slack = platform === 'slack' ? await startFakeSlack() : undefined;
const info = discord
  ? { api: discord.api, token: discord.token }
  : { apiUrl: slack?.apiUrl, botToken: slack?.botToken, responseBase: slack?.base };
const say = (x: unknown) => process.stdout.write(`${JSON.stringify(x)}\n`);
say({ bfl: bfl.url, platform: info });

let burst: Burst | undefined;
for await (const line of createInterface({ input: process.stdin })) {
  const msg = JSON.parse(line) as {
    op: 'open' | 'fire' | 'state';
    port?: number;
    requests?: Prepared[];
    bind?: Array<[string, string]>;
    slackSecret?: string;
    offsetsMs?: number[];
  };
  if (msg.op === 'open') {
    for (const [token, channel] of msg.bind ?? []) discord?.bindToken(token, channel);
    const { slackSecret, offsetsMs } = msg;
    burst = await prepareBurst(msg.port as number, msg.requests ?? [], { slackSecret, offsetsMs });
    say({});
  } else if (msg.op === 'fire') {
    say(await (burst as Burst).fire());
    burst = undefined;
  } else {
    const now = Date.now();
    const active = [...bfl.tasks.values()].filter((t) => t.readyAt > now);
    say({
      active: active.length,
      polled: active.filter((t) => t.polls > 0).length,
      messages: (discord?.messages.size ?? 0) + (slack?.messages.size ?? 0),
    });
  }
}
await discord?.close();
await slack?.close();
await bfl.close();
