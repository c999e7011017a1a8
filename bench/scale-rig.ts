/**
 * The world around the bots in the scale bench: the loopback BFL (24 active tasks, generation time set
 * per prompt with [gen-ms=N]) and the loopback Slack in HTTP mode, in the bench's process; the load
 * client in a process of its own (scale-client.ts). `run` sends one burst of /flux commands spread over
 * the bots as a load balancer would, and waits until every result is posted at the fake Slack.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type FakeBfl, type FakeTask, startFakeBfl } from '../test/fakes/bfl-server.ts';
import { type FakeSlack, startFakeSlack } from '../test/fakes/slack-server.ts';
import { commandBody, SECRET, sign } from '../test/support/slack.ts';
import type { RawAnswer, RawRequest } from './raw-client.ts';

export interface Command {
  prompt: string;
  model: string;
  user: number;
}

export interface RunRecord {
  answers: RawAnswer[];
  /** Epoch ms of the client's first write. */
  firstWriteAt: number;
  /**
   * Epoch ms each result (one message: the images shared in the card's thread) reached the fake Slack, in
   * order; fewer than the commands when the run hit its deadline.
   */
  delivered: number[];
  /** Results posted for a job that already had one (each job must be posted exactly once). */
  duplicates: number;
  /** Epoch ms each status card (a top-level message) was posted, in order. */
  cards: Array<{ ts: string; at: number }>;
  /** The fake BFL's tasks of this run, in submit order. */
  tasks: FakeTask[];
  rateLimited: number;
  maxActiveSeen: number;
  polls: number;
  slackCalls: number;
  /** This run's Slack Web API calls: method and epoch ms. */
  calls: Array<{ method: string; at: number; card?: string }>;
  /** Card edits that showed an earlier stage (queued < generating < uploading < done) than one already shown. */
  backwards: number;
  /** The client's write loop, and its wait for a CPU during the burst. */
  writeMs: number;
  queuedMs: number;
}

export interface Rig {
  bfl: FakeBfl;
  slack: FakeSlack;
  clientPid: number;
  /** Ends when every result is posted, or at the deadline (default 75 s) with those that were. */
  run(ports: number[], commands: Command[], timeoutMs?: number): Promise<RunRecord>;
  close(): Promise<void>;
}

/** Where a card's text (English: '<prompt> — <status>') says its job is; -1 for anything else. */
const STAGES = ['Queued', 'Generating', 'Uploading', 'Done'];
function stageOf(text: string): number {
  const status = text.slice(text.lastIndexOf(' — ') + 3);
  return STAGES.findIndex((s) => status.startsWith(s));
}

export async function startRig(): Promise<Rig> {
  const bfl = await startFakeBfl({ generationMs: 0, maxActive: 24 });
  const slack = await startFakeSlack();
  // Each result's arrival, timed as it is stored (the fake keeps no times of its own).
  const delivered: number[] = [];
  const resultJobs = new Set<string>();
  let duplicates = 0;
  const cards: Array<{ ts: string; at: number }> = [];
  const set = slack.messages.set.bind(slack.messages);
  slack.messages.set = (key, m) => {
    const at = performance.timeOrigin + performance.now();
    if (m.threadTs && m.files?.length) {
      // One card per job, so its thread names the job.
      const job = m.threadTs;
      // A second post for the same job is not a delivery: it is the fault this counts.
      if (resultJobs.has(job)) duplicates++;
      else {
        resultJobs.add(job);
        delivered.push(at);
      }
    } else if (!m.threadTs) cards.push({ ts: key, at });
    return set(key, m);
  };

  // Each Web API call's method and time, for the run's timeline by method.
  const callTimes: Array<{ method: string; at: number; card?: string }> = [];
  // Each card's furthest stage so far, as Slack receives its edits: several processes edit one card.
  const stages = new Map<string, number>();
  let backwards = 0;
  const push = slack.calls.push.bind(slack.calls);
  slack.calls.push = (...items) => {
    for (const c of items) {
      callTimes.push({ method: c.method, at: performance.timeOrigin + performance.now() });
      if (c.method !== 'chat.update') continue;
      const stage = stageOf(String(c.params.text ?? ''));
      const ts = String(c.params.ts);
      if (stage < (stages.get(ts) ?? -1)) backwards++;
      else stages.set(ts, stage);
    }
    return push(...items);
  };

  const client = spawn(process.execPath, ['--import', 'tsx', 'bench/scale-client.ts'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: client.stdout })[Symbol.asyncIterator]();
  const ask = async <T>(msg: unknown): Promise<T> => {
    client.stdin.write(`${JSON.stringify(msg)}\n`);
    return JSON.parse((await lines.next()).value as string) as T;
  };
  await lines.next(); // ready

  const request = (c: Command): RawRequest => {
    const body = new URLSearchParams(
      commandBody(`${c.prompt} --model ${c.model}`, slack, { user_id: `U${c.user}` }),
    ).toString();
    // Signed again by the client just before the burst (fresh timestamps).
    return { path: '/slack/events', headers: sign(body), body };
  };

  return {
    bfl,
    slack,
    clientPid: client.pid as number,
    async run(ports, commands, timeoutMs = 75_000) {
      const before = new Set(bfl.tasks.keys());
      const counts = { ...bfl.counts };
      const calls = slack.calls.length;
      const callsFrom = callTimes.length;
      bfl.counts.maxActiveSeen = 0;
      const from = delivered.length;
      const duplicates0 = duplicates;
      const cardsFrom = cards.length;
      const backwards0 = backwards;
      // Round robin over the bots, as a load balancer spreads requests.
      const targets = ports.map((port, p) => ({
        port,
        requests: commands.filter((_, i) => i % ports.length === p).map(request),
      }));
      await ask({ op: 'open', targets, slackSecret: SECRET });
      const fired = await ask<{
        answers: RawAnswer[];
        firstWriteAt: number;
        writeMs: number;
        queuedMs: number;
      }>({ op: 'fire' });
      // Bounded: past the deadline the run ends with what was delivered (the report says how many).
      const deadline = Date.now() + timeoutMs;
      while (delivered.length - from < commands.length && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5));
      return {
        ...fired,
        delivered: delivered.slice(from),
        duplicates: duplicates - duplicates0,
        cards: cards.slice(cardsFrom),
        tasks: [...bfl.tasks.values()]
          .filter((t) => !before.has(t.id))
          .sort((a, b) => a.submittedAt - b.submittedAt),
        rateLimited: bfl.counts.rateLimited - counts.rateLimited,
        maxActiveSeen: bfl.counts.maxActiveSeen,
        polls: bfl.counts.polls - counts.polls,
        slackCalls: slack.calls.length - calls,
        calls: callTimes.slice(callsFrom),
        backwards: backwards - backwards0,
      };
    },
    async close() {
      client.stdin.end();
      await new Promise((r) => client.once('exit', r));
      await slack.close();
      await bfl.close();
    },
  };
}
