/**
 * The load client of the scale bench, in a process of its own (nothing else runs in it, so the acks it
 * times are the bots' and the machine's): raw-client.ts bursts against one or more bot processes, as a
 * load balancer would spread them. Protocol, one JSON line each way: it prints {} when ready; then:
 *   {"op":"open","targets":[{"port","requests":[{path,headers,body}]}],"slackSecret"} → {}
 *     (a connection per request opened and warmed, every request serialised and signed)
 *   {"op":"fire"} → {"answers":[{status,body,ms}], "firstWriteAt", "writeMs", "queuedMs"}: every
 *     target's requests written at once, answers in the order of the targets; firstWriteAt is epoch ms
 *     (performance.timeOrigin based, sub-millisecond) so the bench can time to deliveries it sees.
 */
import { createInterface } from 'node:readline';
import { type Burst, type FireResult, prepareBurst, type RawRequest } from './raw-client.ts';

const say = (x: unknown) => process.stdout.write(`${JSON.stringify(x)}\n`);
say({});

let bursts: Burst[] = [];
for await (const line of createInterface({ input: process.stdin })) {
  const msg = JSON.parse(line) as {
    op: 'open' | 'fire';
    targets?: Array<{ port: number; requests: RawRequest[] }>;
    slackSecret?: string;
  };
  if (msg.op === 'open') {
    const options = msg.slackSecret ? { slackSecret: msg.slackSecret } : {};
    bursts = await Promise.all((msg.targets ?? []).map((t) => prepareBurst(t.port, t.requests, options)));
    await new Promise((r) => setTimeout(r, 20)); // the connections' setup settles
    say({});
  } else {
    const firstWriteAt = performance.timeOrigin + performance.now();
    // Each fire() writes its whole burst before its first await: every target's requests go out now.
    const fired: FireResult[] = await Promise.all(bursts.map((b) => b.fire()));
    say({
      answers: fired.flatMap((f) => f.answers),
      firstWriteAt,
      writeMs: Math.max(...fired.map((f) => f.writeMs)),
      queuedMs: Math.max(...fired.map((f) => f.queuedMs)),
    });
    bursts = [];
  }
}
