/**
 * The harness alone: the load clients (undici as before, raw sockets now) against a bare node:http
 * server in another process answering 200 empty. `node --import tsx bench/harness-check.ts [rounds]`.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { Agent, request } from 'undici';
import { percentile } from './bots.ts';
import { fire } from './raw-client.ts';

if (process.argv[2] === 'server') {
  const server = createServer((req, res) => {
    req.resume();
    req.once('end', () => res.end());
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as { port: number }).port));
} else {
  const child = fork(new URL(import.meta.url).pathname, ['server'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((r) => child.once('message', (m) => r(m as number)));
  const body = 'x'.repeat(600);
  const requests = Array.from({ length: 100 }, () => ({
    path: '/slack/events',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  }));
  const undiciFire = async () => {
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
  };
  const rounds = Number(process.argv[2] ?? 5);
  const p99 = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      0.99,
    ).toFixed(1);
  for (let i = 0; i < rounds; i++) {
    const u = await undiciFire();
    const raw = await fire(port, requests, { slackSecret: 'secret' });
    const spread = await fire(port, requests, {
      offsetsMs: requests.map((_, j) => j * 10),
    });
    console.log(
      `round ${i}: undici p99 ${p99(u)} ms · raw at once p99 ${p99(raw.answers.map((a) => a.ms))} ms (write loop ${raw.writeMs.toFixed(1)} ms) · raw spread p99 ${p99(spread.answers.map((a) => a.ms))} ms`,
    );
  }
  child.kill();
}
