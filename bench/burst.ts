/**
 * Platform bursts in HTTP mode: 200 signed commands from 50 users at once. Every one must be answered
 * (Discord: a deferral; Slack: an ack), p99 under 50 ms at the bot, RSS growth under 100 MB once all 200
 * are delivered. The fakes and the load client run in another process (burst-peer.ts), so only the bot's
 * own work is measured; the client-observed round trip is printed for information.
 */

import { spawn } from 'node:child_process';
import { sign as edSign } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { tempDb } from '../test/support/core.ts';
import { APP_ID, CHANNEL, keyPair, slash, startDiscordApp } from '../test/support/discord.ts';
import { commandBody, SECRET, sign as slackSign, startSlackApp } from '../test/support/slack.ts';
import type { Figure } from './core.ts';

type Platform = 'discord' | 'slack';
const N = 200;
const USERS = 50;

async function burst(platform: Platform): Promise<Figure[]> {
  const peer = spawn(process.execPath, ['--import', 'tsx', 'bench/burst-peer.ts', platform], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
  const hello = JSON.parse((await lines.next()).value as string) as {
    bfl: string;
    platform: Record<string, string>;
  };
  const env: Record<string, string> = {
    BFL_API_KEY: 'bfl_test_key_0123456789',
    BFL_API_BASE: hello.bfl,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: tempDb().replace(/\/flux\.db$/, ''),
  };
  let app: App;
  let port: number;
  let requests: Array<{ path: string; headers: Record<string, string>; body: string }>;
  let bind: Array<[string, string]> = [];
  if (platform === 'discord') {
    const keys = keyPair();
    const config = loadConfig(
      {
        ...env,
        DISCORD_TOKEN: hello.platform.token as string,
        DISCORD_APPLICATION_ID: APP_ID,
        DISCORD_MODE: 'http',
        DISCORD_PUBLIC_KEY: keys.publicHex,
        DISCORD_API_BASE: hello.platform.api as string,
      },
      'bot',
    );
    ({ app, port } = await startDiscordApp(config));
    const raws = Array.from({ length: N }, (_, i) =>
      slash(
        { prompt: `burst ${i}`, model: 'klein-4b' },
        { id: `5000000000000${String(i % USERS).padStart(5, '0')}` },
      ),
    );
    bind = raws.map((r) => [r.token, CHANNEL]);
    requests = raws.map((raw) => {
      const body = JSON.stringify(raw);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = edSign(null, Buffer.from(timestamp + body), keys.privateKey).toString('hex');
      return {
        path: '/discord/interactions',
        headers: {
          'content-type': 'application/json',
          'x-signature-ed25519': signature,
          'x-signature-timestamp': timestamp,
        },
        body,
      };
    });
  } else {
    const config = loadConfig(
      {
        ...env,
        SLACK_BOT_TOKEN: hello.platform.botToken as string,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: hello.platform.apiUrl as string,
      },
      'bot',
    );
    ({ app, port } = await startSlackApp(config));
    const fakeSlack = {
      responseUrl: () => `${hello.platform.responseBase}/response/${Math.random().toString(36).slice(2)}`,
    };
    requests = Array.from({ length: N }, (_, i) => {
      const body = new URLSearchParams(
        commandBody(`burst ${i} --model klein-4b`, fakeSlack as never, { user_id: `U${i % USERS}` }),
      ).toString();
      return { path: '/slack/events', headers: slackSign(body), body };
    });
  }
  const served: number[] = [];
  app.http.server.on('request', (req, res) => {
    if (req.url === '/healthz') return;
    const t0 = performance.now();
    res.once('finish', () => served.push(performance.now() - t0));
  });
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  peer.stdin.write(`${JSON.stringify({ port, requests, bind })}\n`);
  const { answers } = JSON.parse((await lines.next()).value as string) as {
    answers: Array<{ status: number; body: string; ms: number }>;
  };
  (globalThis as { gc?: () => void }).gc?.();
  const growth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  peer.stdin.end();
  await app.stop();
  await new Promise((r) => peer.once('exit', r));

  const answered = answers.filter(
    (a) => a.status === 200 && (platform === 'slack' || a.body === '{"type":5}'),
  ).length;
  const server = served.sort((a, b) => a - b);
  const client = answers.map((a) => a.ms).sort((a, b) => a - b);
  const p = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? Number.NaN;
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
