/**
 * The far side of the ack bench (acks.ts), in its own process: the fake BFL (long generations, so jobs
 * in flight are being polled) and the fake platform (argv: discord | slack, then the generation ms), and
 * the load client. Protocol, one JSON line each way: it prints {"bfl", "platform"}; then per line read:
 *   {"op":"fire","port","requests":[{path,headers,body}],"bind"?} → {"answers":[{status,body,ms}]}
 *     (connections are opened first, as at the platform's edge; then every request goes at once)
 *   {"op":"state"} → {"active": tasks generating, "polled": of those, how many were polled already,
 *     "messages": messages the bot has posted}
 */
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { startFakeBfl } from '../test/fakes/bfl-server.ts';
import { startFakeDiscord } from '../test/fakes/discord-server.ts';
import { startFakeSlack } from '../test/fakes/slack-server.ts';
import type { Prepared } from './bots.ts';

const platform = process.argv[2] === 'slack' ? 'slack' : 'discord';
const bfl = await startFakeBfl({ generationMs: Number(process.argv[3] ?? 15_000) });
const discord = platform === 'discord' ? await startFakeDiscord() : undefined;
const slack = platform === 'slack' ? await startFakeSlack() : undefined;
const info = discord
  ? { api: discord.api, token: discord.token }
  : { apiUrl: slack?.apiUrl, botToken: slack?.botToken, responseBase: slack?.base };
const say = (x: unknown) => process.stdout.write(`${JSON.stringify(x)}\n`);
say({ bfl: bfl.url, platform: info });

async function fire(port: number, requests: Prepared[]) {
  const agent = new Agent({ connections: requests.length, pipelining: 0 });
  await Promise.all(
    requests.map(() =>
      request(`http://127.0.0.1:${port}/healthz`, { dispatcher: agent }).then((r) => r.body.text()),
    ),
  );
  const answers = await Promise.all(
    requests.map(async (r) => {
      const t0 = performance.now();
      const res = await request(`http://127.0.0.1:${port}${r.path}`, {
        method: 'POST',
        dispatcher: agent,
        headers: r.headers,
        body: r.body,
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: text, ms: performance.now() - t0 };
    }),
  );
  await agent.close();
  return answers;
}

for await (const line of createInterface({ input: process.stdin })) {
  const msg = JSON.parse(line) as {
    op: 'fire' | 'state';
    port?: number;
    requests?: Prepared[];
    bind?: Array<[string, string]>;
  };
  if (msg.op === 'fire') {
    for (const [token, channel] of msg.bind ?? []) discord?.bindToken(token, channel);
    say({ answers: await fire(msg.port as number, msg.requests ?? []) });
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
