/**
 * Platform bursts in HTTP mode: 200 signed commands from 50 users at once. Every one must be answered
 * (Discord: a deferral; Slack: an ack), p99 under 50 ms at the bot, RSS growth under 100 MB once all 200
 * are delivered. The fakes and the load client run in another process (burst-peer.ts), so only the bot's
 * own work is measured; the client-observed round trip is printed for information.
 */

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SECRET } from '../test/support/slack.ts';
import { answeredRight, type PeerHello, type Platform, percentile, startBot } from './bots.ts';
import type { Figure } from './core.ts';

const N = 200;
const USERS = 50;

async function burst(platform: Platform): Promise<Figure[]> {
  const peer = spawn(process.execPath, ['--import', 'tsx', 'bench/burst-peer.ts', platform], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
  const hello = JSON.parse((await lines.next()).value as string) as PeerHello;
  const { app, port, prepare } = await startBot(platform, hello);
  const { requests, bind } = prepare(
    Array.from({ length: N }, (_, i) => ({ prompt: `burst ${i}`, model: 'klein-4b', user: i % USERS })),
  );
  const served: number[] = [];
  app.http.server.on('request', (req, res) => {
    if (req.method === 'GET') return; // the client's warm-up
    const t0 = performance.now();
    res.once('finish', () => served.push(performance.now() - t0));
  });
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  // Slack requests are signed again by the client just before it sends them.
  const secret = platform === 'slack' ? { slackSecret: SECRET } : {};
  peer.stdin.write(`${JSON.stringify({ port, requests, bind, ...secret })}\n`);
  const { answers } = JSON.parse((await lines.next()).value as string) as {
    answers: Array<{ status: number; body: string; ms: number }>;
  };
  (globalThis as { gc?: () => void }).gc?.();
  const growth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  peer.stdin.end();
  await app.stop();
  await new Promise((r) => peer.once('exit', r));

  const answered = answers.filter((a) => answeredRight(platform, a)).length;
  const server = served.sort((a, b) => a - b);
  const client = answers.map((a) => a.ms).sort((a, b) => a - b);
  const p = percentile;
  const what = platform === 'discord' ? 'interaction → deferral' : 'request → ack';
  return [
    {
      name: `${platform} burst: answered`,
      value: answered,
      unit: `/ ${N}`,
      target: String(N),
      ok: answered === N,
    },
    {
      name: `${platform} burst: p50 ${what} at the bot`,
      value: Number(p(server, 0.5).toFixed(1)),
      unit: 'ms',
      target: '(information)',
      ok: true,
    },
    {
      name: `${platform} burst: p99 ${what} at the bot`,
      value: Number(p(server, 0.99).toFixed(1)),
      unit: 'ms',
      target: '< 50',
      ok: p(server, 0.99) < 50,
    },
    {
      name: `${platform} burst: p99 round trip seen by the load client`,
      value: Math.round(p(client, 0.99)),
      unit: 'ms',
      target: '(information: the client issues 200 requests at once on the same 2 cores)',
      ok: true,
    },
    {
      name: `${platform} burst: RSS growth (all ${N} delivered)`,
      value: Math.round(growth),
      unit: 'MB',
      target: '< 100',
      ok: growth < 100,
    },
  ];
}

export const discordBurst = () => burst('discord');
export const slackBurst = () => burst('slack');
