/**
 * Acks under load (issue 9, point 5): 24 jobs already generating at the provider and being polled, then
 * a burst of 100 /flux commands from 50 users at once. The figure that counts is the ack (Slack) or
 * deferral (Discord) p99 seen by a client in another process (acks-peer.ts), target ≤ 50 ms. For scale,
 * the same client first sends the same 100 requests to a minimal bot in the bot's place (a bare
 * node:http server answering 200 at once), so the part of the figure that is the harness is visible.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { answeredRight, type PeerHello, type Platform, type Prepared, percentile, startBot } from './bots.ts';
import type { Figure } from './core.ts';

const IN_FLIGHT = 24;
const N = 100;
const USERS = 50;
/** Long enough that the 24 are still being polled while the burst and its cards go out. */
const GENERATION_MS = 15_000;

/** `--profile=<file>`: the bot process's CPU profile over the burst (open it in Chrome DevTools). */
const PROFILE = process.argv.find((a) => a.startsWith('--profile='))?.slice('--profile='.length);

async function startProfile(): Promise<(file: string) => Promise<void>> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return async (file) => {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

interface Answer {
  status: number;
  body: string;
  ms: number;
}

async function acks(platform: Platform): Promise<Figure[]> {
  const peer = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/acks-peer.ts', platform, String(GENERATION_MS)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
  const ask = async <T>(msg: unknown): Promise<T> => {
    peer.stdin.write(`${JSON.stringify(msg)}\n`);
    return JSON.parse((await lines.next()).value as string) as T;
  };
  const hello = JSON.parse((await lines.next()).value as string) as PeerHello;
  const fire = async (port: number, prepared: { requests: Prepared[]; bind: Array<[string, string]> }) =>
    (await ask<{ answers: Answer[] }>({ op: 'fire', port, ...prepared })).answers;

  const bot = await startBot(platform, hello);
  const burst = bot.prepare(
    Array.from({ length: N }, (_, i) => ({ prompt: `burst ${i}`, model: 'klein-4b', user: i % USERS })),
  );

  // The minimal bot, on the same harness, while this process is otherwise idle.
  let bareAnswered = 0;
  let bareCpu0 = process.cpuUsage();
  let bareCpu = 0;
  const bare = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.end();
      if (req.url === '/healthz' || ++bareAnswered % N) return;
      const used = process.cpuUsage(bareCpu0);
      bareCpu = (used.user + used.system) / 1000;
    });
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const barePort = (bare.address() as { port: number }).port;
  await fire(barePort, burst); // warm-up (JIT, the client's connection setup)
  bareCpu0 = process.cpuUsage();
  const bareMs = (await fire(barePort, burst)).map((a) => a.ms).sort((a, b) => a - b);
  await new Promise((r) => bare.close(r));

  // 24 jobs in flight (default model), through the bot like any others; the burst waits until every one
  // of them is being polled.
  await fire(
    bot.port,
    bot.prepare(Array.from({ length: IN_FLIGHT }, (_, i) => ({ prompt: `in flight ${i}`, user: 1000 + i }))),
  );
  const deadline = Date.now() + 60_000;
  while ((await ask<{ polled: number }>({ op: 'state' })).polled < IN_FLIGHT) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the jobs in flight to be polled');
    await new Promise((r) => setTimeout(r, 50));
  }

  const served: number[] = [];
  const arrivedAt: number[] = [];
  const finishedAt: number[] = [];
  // CPU the bot spent from the burst's start to its last answer: unlike times, it hardly moves with the
  // machine's load, and work done ahead of answers shows up in it.
  let cpu0 = process.cpuUsage();
  let cpuToLastAck = 0;
  bot.app.http.server.on('request', (req, res) => {
    if (req.url === '/healthz') return;
    const t0 = performance.now();
    arrivedAt.push(t0);
    res.once('finish', () => {
      served.push(performance.now() - t0);
      finishedAt.push(performance.now());
      if (served.length < N) return;
      const used = process.cpuUsage(cpu0);
      cpuToLastAck = (used.user + used.system) / 1000;
    });
  });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const profiler = PROFILE ? await startProfile() : undefined;
  loop.enable();
  cpu0 = process.cpuUsage();
  const answers = await fire(bot.port, burst);
  loop.disable();
  await profiler?.(PROFILE as string);
  const state = await ask<{ active: number; polled: number }>({ op: 'state' });
  await bot.app.stop();
  peer.stdin.end();
  await new Promise((r) => peer.once('exit', r));

  const answered = answers.filter((a) => answeredRight(platform, a)).length;
  const client = answers.map((a) => a.ms).sort((a, b) => a - b);
  const server = served.sort((a, b) => a - b);
  const what = platform === 'discord' ? 'deferral' : 'ack';
  const ms = (x: number) => Number(x.toFixed(1));
  const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  const info = '(information)';
  return [
    {
      name: `${platform} acks: answered`,
      value: answered,
      unit: `/ ${N}`,
      target: String(N),
      ok: answered === N,
    },
    {
      name: `${platform} acks: jobs still generating when the burst was answered`,
      value: state.active,
      unit: `/ ${IN_FLIGHT}`,
      target: String(IN_FLIGHT),
      ok: state.active >= IN_FLIGHT,
    },
    {
      name: `${platform} acks: minimal bot, p99 seen by the client (the harness alone)`,
      value: ms(percentile(bareMs, 0.99)),
      unit: 'ms',
      target: info,
      ok: true,
    },
    {
      name: `${platform} acks: p50 ${what} seen by the client, ${IN_FLIGHT} jobs polling`,
      value: ms(percentile(client, 0.5)),
      unit: 'ms',
      target: info,
      ok: true,
    },
    {
      name: `${platform} acks: p99 ${what} seen by the client, ${IN_FLIGHT} jobs polling`,
      value: ms(percentile(client, 0.99)),
      unit: 'ms',
      target: '≤ 50',
      ok: percentile(client, 0.99) <= 50,
    },
    {
      name: `${platform} acks: p99 request → ${what} at the bot`,
      value: ms(percentile(server, 0.99)),
      unit: 'ms',
      target: info,
      ok: true,
    },
    {
      // How long the sender took to get all requests to the bot: a floor under the client's figures.
      name: `${platform} acks: first to last request reaching the bot`,
      value: ms(spread(arrivedAt)),
      unit: 'ms',
      target: info,
      ok: true,
    },
    {
      name: `${platform} acks: first request reaching the bot to its last ${what}`,
      value: ms(Math.max(...finishedAt) - Math.min(...arrivedAt)),
      unit: 'ms',
      target: info,
      ok: true,
    },
    {
      name: `${platform} acks: bot CPU from the burst's start to its last ${what}`,
      value: Math.round(cpuToLastAck),
      unit: 'ms',
      target: info,
      ok: true,
    },
    {
      name: `${platform} acks: minimal bot CPU from the burst's start to its last answer`,
      value: Math.round(bareCpu),
      unit: 'ms',
      target: info,
      ok: true,
    },
    {
      name: `${platform} acks: event-loop delay during the burst, max`,
      value: ms(loop.max / 1e6),
      unit: 'ms',
      target: info,
      ok: true,
    },
  ];
}

export const slackAcks = () => acks('slack');
export const discordAcks = () => acks('discord');
