/**
 * Acks under load (issue 9, point 5): 24 jobs already generating at the provider and being polled, then
 * a burst of 100 /flux commands from 50 users at once. The figure that counts is the ack (Slack) or
 * deferral (Discord) p99 seen by a client in another process (acks-peer.ts, raw-client.ts), target
 * ≤ 50 ms. For scale, the same client first sends the same 100 requests to a minimal bot in the bot's
 * place (a bare node:http server answering 200 at once), so the part of the figure that is the harness
 * is visible. A second figure sends 100 more as people would (Poisson arrivals), the jobs still running.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { SECRET } from '../test/support/slack.ts';
import {
  answeredRight,
  type Bot,
  type PeerHello,
  type Platform,
  type Prepared,
  percentile,
  startBot,
} from './bots.ts';
import type { Figure } from './core.ts';
import { mainThread } from './raw-client.ts';

const IN_FLIGHT = 24;
const N = 100;
const USERS = 50;
/** Long enough that the 24 are still being polled while the burst and its cards go out. */
const GENERATION_MS = 15_000;
/** The second figure's arrival rate. */
const ARRIVALS_PER_S = 100;

/**
 * `--profile=<file>`: the bot process's CPU profile over the burst, and over the spread arrivals in
 * `<file>-spread` (open them in Chrome DevTools).
 */
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

interface Fired {
  answers: Answer[];
  writeMs: number;
  queuedMs: number;
}

/**
 * A realistic arrival spread for the second figure: 100 commands from people typing, Poisson arrivals at
 * 100 a second (the same seeded offsets every run), instead of 100 written in the same millisecond.
 */
function poissonOffsets(n: number, meanGapMs: number): number[] {
  let seed = 9;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const offsets: number[] = [];
  for (let t = 0, i = 0; i < n; i++, t += -Math.log(1 - random()) * meanGapMs) offsets.push(t);
  return offsets;
}

/** What the bot saw of one burst: per request, arrival → answer, and when CPU and the loop were spent. */
function watchBot(bot: Bot, n: number) {
  const served: number[] = [];
  const arrivedAt: number[] = [];
  const finishedAt: number[] = [];
  // The event loop's CPU from the burst's start to its last answer: unlike times, it hardly moves with
  // the machine's load, and work done ahead of answers shows up in it. And its wait for a CPU meanwhile.
  let at0 = mainThread();
  let cpuToLastAck = 0;
  let queuedToLastAck = 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET') return; // the client's warm-up
    const t0 = performance.now();
    arrivedAt.push(t0);
    res.once('finish', () => {
      served.push(performance.now() - t0);
      finishedAt.push(performance.now());
      if (served.length < n) return;
      const at = mainThread();
      cpuToLastAck = at.cpuMs - at0.cpuMs;
      queuedToLastAck = at.queuedMs - at0.queuedMs;
    });
  };
  bot.app.http.server.on('request', onRequest);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  return {
    start() {
      loop.enable();
      at0 = mainThread();
    },
    stop() {
      loop.disable();
      bot.app.http.server.off('request', onRequest);
      const end = mainThread();
      return {
        server: served.sort((a, b) => a - b),
        arrivalSpread: Math.max(...arrivedAt) - Math.min(...arrivedAt),
        firstToLast: Math.max(...finishedAt) - Math.min(...arrivedAt),
        cpuToLastAck,
        queuedToLastAck,
        /** Event-loop CPU over the whole watch, follow-up work (cards, jobs, polls) included. */
        cpuAll: end.cpuMs - at0.cpuMs,
        loopMax: loop.count ? loop.max / 1e6 : Number.NaN,
      };
    },
  };
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
  // Slack requests are signed again by the client just before it sends them (fresh timestamps).
  const secret = platform === 'slack' ? { slackSecret: SECRET } : {};
  // Connections are opened and warmed before the clock starts, so their setup is not in the figures.
  const open = async (
    port: number,
    prepared: { requests: Prepared[]; bind: Array<[string, string]> },
    offsetsMs?: number[],
  ) => {
    await ask({ op: 'open', port, ...prepared, ...secret, ...(offsetsMs ? { offsetsMs } : {}) });
    await new Promise((r) => setTimeout(r, 20)); // the connections' setup settles
  };
  const go = () => ask<Fired>({ op: 'fire' });
  const fire = async (port: number, prepared: { requests: Prepared[]; bind: Array<[string, string]> }) => {
    await open(port, prepared);
    return go();
  };
  const state = () => ask<{ active: number; polled: number; messages: number }>({ op: 'state' });

  const bot = await startBot(platform, hello);
  const commands = (tag: string) =>
    Array.from({ length: N }, (_, i) => ({ prompt: `${tag} ${i}`, model: 'klein-4b', user: i % USERS }));
  const burst = bot.prepare(commands('burst'));

  // The minimal bot, on the same harness, while this process is otherwise idle.
  let bareAnswered = 0;
  let bare0 = mainThread();
  let bareCpu = 0;
  const bare = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.end();
      if (req.method === 'GET' || ++bareAnswered % N) return;
      bareCpu = mainThread().cpuMs - bare0.cpuMs;
    });
  });
  bare.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const barePort = (bare.address() as { port: number }).port;
  await fire(barePort, burst); // warm-up (JIT, the client's connection setup)
  await open(barePort, burst);
  bare0 = mainThread();
  const bareFired = await go();
  const bareCpuToLast = bareCpu;
  const bareMs = bareFired.answers.map((a) => a.ms).sort((a, b) => a - b);
  await open(barePort, burst, poissonOffsets(N, 1000 / ARRIVALS_PER_S));
  const bareSpreadMs = (await go()).answers.map((a) => a.ms).sort((a, b) => a - b);
  await new Promise((r) => bare.close(r));

  // 24 jobs in flight (default model), through the bot like any others; the burst waits until every one
  // of them is being polled.
  await fire(
    bot.port,
    bot.prepare(Array.from({ length: IN_FLIGHT }, (_, i) => ({ prompt: `in flight ${i}`, user: 1000 + i }))),
  );
  const deadline = Date.now() + 60_000;
  while ((await state()).polled < IN_FLIGHT) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the jobs in flight to be polled');
    await new Promise((r) => setTimeout(r, 50));
  }

  await open(bot.port, burst);
  const watch = watchBot(bot, N);
  const profiler = PROFILE ? await startProfile() : undefined;
  watch.start();
  const fired = await go();
  const seen = watch.stop();
  await profiler?.(PROFILE as string);
  const afterBurst = await state();

  // The second figure: the same number of commands arriving as people send them, once the burst's own
  // cards are out (its jobs queue behind the 24, so the jobs are still running).
  const settled = Date.now() + 60_000;
  while ((await state()).messages < IN_FLIGHT + N && Date.now() < settled)
    await new Promise((r) => setTimeout(r, 50));
  await open(bot.port, bot.prepare(commands('spread')), poissonOffsets(N, 1000 / ARRIVALS_PER_S));
  const spreadWatch = watchBot(bot, N);
  const spreadProfiler = PROFILE ? await startProfile() : undefined;
  spreadWatch.start();
  const spread = await go();
  const spreadSeen = spreadWatch.stop();
  await spreadProfiler?.((PROFILE as string).replace(/(\.cpuprofile)?$/, '-spread$1'));
  const afterSpread = await state();

  await bot.app.stop();
  peer.stdin.end();
  await new Promise((r) => peer.once('exit', r));

  const answered = [...fired.answers, ...spread.answers].filter((a) => answeredRight(platform, a)).length;
  const client = fired.answers.map((a) => a.ms).sort((a, b) => a - b);
  const spreadClient = spread.answers.map((a) => a.ms).sort((a, b) => a - b);
  const what = platform === 'discord' ? 'deferral' : 'ack';
  const ms = (x: number) => Number(x.toFixed(1));
  const info = '(information)';
  const figure = (name: string, value: number, unit = 'ms', target = info, ok = true): Figure => ({
    name: `${platform} acks: ${name}`,
    value,
    unit,
    target,
    ok,
  });
  return [
    figure('answered (burst and spread)', answered, `/ ${2 * N}`, String(2 * N), answered === 2 * N),
    figure(
      'jobs still generating when each was answered (the fewer)',
      Math.min(afterBurst.active, afterSpread.active),
      `/ ${IN_FLIGHT}`,
      `≥ ${IN_FLIGHT}`,
      Math.min(afterBurst.active, afterSpread.active) >= IN_FLIGHT,
    ),
    figure('minimal bot, p99 seen by the client (the harness alone)', ms(percentile(bareMs, 0.99))),
    figure('minimal bot, the client writing its burst', ms(bareFired.writeMs)),
    figure('minimal bot event-loop CPU, burst start to its last answer', ms(bareCpuToLast)),
    figure(
      `p50 ${what} seen by the client, ${N} at once, ${IN_FLIGHT} jobs polling`,
      ms(percentile(client, 0.5)),
    ),
    figure(
      `p99 ${what} seen by the client, ${N} at once, ${IN_FLIGHT} jobs polling`,
      ms(percentile(client, 0.99)),
      'ms',
      '≤ 50',
      percentile(client, 0.99) <= 50,
    ),
    figure('the client writing its burst', ms(fired.writeMs)),
    figure(`p99 request → ${what} at the bot`, ms(percentile(seen.server, 0.99))),
    // How long the requests took to reach the bot: a floor under the client's figures.
    figure('first to last request reaching the bot', ms(seen.arrivalSpread)),
    figure(`first request reaching the bot to its last ${what}`, ms(seen.firstToLast)),
    figure(`bot event-loop CPU, burst start to its last ${what}`, ms(seen.cpuToLastAck)),
    // The machine's share: time the bot's event loop (or the client's) could have run but had no CPU.
    figure(`bot waiting for a CPU, burst's start to its last ${what}`, ms(seen.queuedToLastAck)),
    figure('client waiting for a CPU during the burst', ms(fired.queuedMs)),
    figure('event-loop delay during the burst, max', ms(seen.loopMax)),
    figure(
      `p99 ${what} seen by the client, ${N} arriving at ${ARRIVALS_PER_S}/s (Poisson), jobs polling`,
      ms(percentile(spreadClient, 0.99)),
      'ms',
      '≤ 50',
      percentile(spreadClient, 0.99) <= 50,
    ),
    figure(`bot event-loop CPU while they arrived (all work)`, ms(spreadSeen.cpuAll)),
    figure(`bot waiting for a CPU, arriving at ${ARRIVALS_PER_S}/s`, ms(spreadSeen.queuedToLastAck)),
    figure(`client waiting for a CPU, arriving at ${ARRIVALS_PER_S}/s`, ms(spread.queuedMs)),
    figure(
      `minimal bot, p99 seen by the client, arriving at ${ARRIVALS_PER_S}/s (the harness alone)`,
      ms(percentile(bareSpreadMs, 0.99)),
    ),
    figure(
      `p99 request → ${what} at the bot, arriving at ${ARRIVALS_PER_S}/s`,
      ms(percentile(spreadSeen.server, 0.99)),
    ),
  ];
}

export const slackAcks = () => acks('slack');
export const discordAcks = () => acks('discord');
