/**
 * The ack bench's harness alone (`npm run bench -- harness`): a bare node:http server in another process
 * answering 200 empty, and 100 requests sent to it by the old load client (undici, a promise per request,
 * timed around `request()`) and by the one the benches use now (raw-client.ts), all at once and at
 * Poisson 100/s. Five rounds; the median round's p99 of each, and the worst.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { Agent, request } from 'undici';
import { percentile } from './bots.ts';
import type { Figure } from './core.ts';
import { fire, type RawRequest } from './raw-client.ts';

const N = 100;
const ROUNDS = 5;

if (process.argv[2] === 'harness-server') {
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => res.end());
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as { port: number }).port));
}

async function undiciFire(port: number, requests: RawRequest[]): Promise<number[]> {
  const agent = new Agent({ connections: requests.length, pipelining: 0 });
  await Promise.all(
    requests.map(() =>
      request(`http://127.0.0.1:${port}/livez`, { dispatcher: agent }).then((r) => r.body.text()),
    ),
  );
  const ms = await Promise.all(
    requests.map(async (r) => {
      const t0 = performance.now();
      const res = await request(`http://127.0.0.1:${port}${r.path}`, {
        method: 'POST',
        dispatcher: agent,
        headers: r.headers,
        body: r.body,
      });
      await res.body.text();
      return performance.now() - t0;
    }),
  );
  await agent.close();
  return ms;
}

export async function harness(): Promise<Figure[]> {
  const child = fork(new URL(import.meta.url).pathname, ['harness-server'], {
    execArgv: ['--import', 'tsx'],
  });
  const port = await new Promise<number>((r) => child.once('message', (m) => r(m as number)));
  const requests = Array.from({ length: N }, () => ({
    path: '/slack/events',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'x'.repeat(600),
  }));
  const offsetsMs = requests.map((_, i) => i * 10);
  const p99 = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      0.99,
    );
  const rounds = { undici: [] as number[], raw: [] as number[], spread: [] as number[] };
  await fire(port, requests); // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    rounds.undici.push(p99(await undiciFire(port, requests)));
    rounds.raw.push(p99((await fire(port, requests, { slackSecret: 'secret' })).answers.map((a) => a.ms)));
    rounds.spread.push(p99((await fire(port, requests, { offsetsMs })).answers.map((a) => a.ms)));
  }
  child.kill();
  const figure = (name: string, xs: number[]): Figure => ({
    name: `minimal bot, ${name}: p99 of the median round (worst)`,
    value: Number(
      percentile(
        [...xs].sort((a, b) => a - b),
        0.5,
      ).toFixed(1),
    ),
    unit: `ms (${Math.max(...xs).toFixed(1)})`,
    target: '(information)',
    ok: true,
  });
  return [
    figure(`${N} at once, old client (undici)`, rounds.undici),
    figure(`${N} at once, raw client`, rounds.raw),
    figure(`${N} at 100/s, raw client`, rounds.spread),
  ];
}
