/**
 * Discord HTTP mode under a burst: 200 signed /flux interactions from 50 users at once. Every deferral
 * must be answered, p99 interaction → deferral under 50 ms, RSS growth under 100 MB. The fakes and the
 * load client run in another process (bench/burst-peer.ts): only the bot's own work is measured here.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config.ts';
import { APP_ID, keyPair, slash, startDiscordApp } from '../test/support/discord.ts';
import { tempDb } from '../test/support/core.ts';
import type { Figure } from './core.ts';

export async function discordBurst(): Promise<Figure[]> {
  const peer = spawn(process.execPath, ['--import', 'tsx', 'bench/burst-peer.ts'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
  const hello = JSON.parse((await lines.next()).value as string) as { bfl: string; discordApi: string; discordToken: string };
  const keys = keyPair();
  const config = loadConfig(
    {
      BFL_API_KEY: 'bfl_test_key_0123456789',
      BFL_API_BASE: hello.bfl,
      DISCORD_TOKEN: hello.discordToken,
      DISCORD_APPLICATION_ID: APP_ID,
      DISCORD_MODE: 'http',
      DISCORD_PUBLIC_KEY: keys.publicHex,
      DISCORD_API_BASE: hello.discordApi,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: tempDb().replace(/\/flux\.db$/, ''),
    },
    'bot',
  );
  const { app, port } = await startDiscordApp(config);
  // Server-side time of each interaction: from the request reaching the bot to its answer leaving.
  const served: number[] = [];
  app.http.server.on('request', (req, res) => {
    if (req.url !== '/discord/interactions') return;
    const t0 = performance.now();
    res.once('finish', () => served.push(performance.now() - t0));
  });
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  const interactions = Array.from({ length: 200 }, (_, i) => slash({ prompt: `burst ${i}`, model: 'klein-4b' }, { id: `5000000000000${String(i % 50).padStart(5, '0')}` }));
  peer.stdin.write(`${JSON.stringify({ port, privateKeyPem: keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), interactions })}\n`);
  const { answers } = JSON.parse((await lines.next()).value as string) as { answers: Array<{ status: number; type?: number; ms: number }> };
  (globalThis as { gc?: () => void }).gc?.();
  const growth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  peer.stdin.end();
  await app.stop();
  await new Promise((r) => peer.once('exit', r));
  const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
  const deferred = answers.filter((a) => a.status === 200 && a.type === 5).length;
  const p99 = ms[Math.floor(ms.length * 0.99)] ?? Number.NaN;
  const server = served.sort((a, b) => a - b);
  const serverP99 = server[Math.floor(server.length * 0.99)] ?? Number.NaN;
  return [
    { name: 'discord burst: deferrals answered', value: deferred, unit: '/ 200', target: '200', ok: deferred === 200 },
    { name: 'discord burst: p50 interaction → deferral at the bot', value: Number((server[100] ?? 0).toFixed(1)), unit: 'ms', target: '(information)', ok: true },
    { name: 'discord burst: p99 interaction → deferral at the bot', value: Number(serverP99.toFixed(1)), unit: 'ms', target: '< 50', ok: serverP99 < 50 },
    { name: 'discord burst: p99 round trip seen by the load client', value: Math.round(p99), unit: 'ms', target: '(information: includes the client issuing 200 requests at once)', ok: true },
    { name: 'discord burst: RSS growth (all 200 delivered)', value: Math.round(growth), unit: 'MB', target: '< 100', ok: growth < 100 },
  ];
}
