/**
 * Where the bots' main threads spent a window of time, from their `--cpu-prof` profiles: every sample is
 * put in the category of the innermost frame that belongs to a known part (a native call such as writev
 * counts for the JavaScript that made it), summed over the processes. A sampling profiler counts wall
 * time: on a loaded machine, time a thread was runnable but had no core counts for whatever it was doing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PARTS: Array<[RegExp, string]> = [
  [
    /node_modules\/(pg|pg-pool|pg-protocol|pg-types)\/|src\/core\/store\/postgres/,
    'Postgres client (pg, store/postgres*)',
  ],
  [
    /node_modules\/(ioredis|bullmq|@ioredis|msgpackr)\/|src\/core\/queue\//,
    'Redis client + BullMQ (core/queue)',
  ],
  [/node_modules\/(@slack|p-queue|p-retry|retry|axios|form-data)\//, 'Slack WebClient and bolt'],
  [/node_modules\/undici\/|node:internal\/deps\/undici/, 'HTTP client (undici)'],
  [/src\/commands\/i18n\/format/, 'i18n/format.ts (a new Intl formatter per call)'],
  [/src\/commands\//, 'commands (cards, texts)'],
  [/node_modules\/(pino|sonic-boom|thread-stream|fast-redact)\//, 'logging (pino)'],
  [/src\/bots\//, 'bots (Slack adapter)'],
  [
    /src\/core\/store\/sqlite|node_modules\/better-sqlite3\//,
    'SQLite store and row mapping (sqlite-rows.ts, Postgres too)',
  ],
  [/src\//, 'core and the rest of src'],
  [/node_modules\//, 'other packages'],
];

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The main thread's profile in a process's profile directory: the largest (the loader thread's is small). */
function mainProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

function categorise(p: Profile): (id: number) => string {
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, string>();
  const of = (id: number): string => {
    const known = memo.get(id);
    if (known) return known;
    const frame = nodes.get(id)?.callFrame ?? { functionName: '?', url: '' };
    let part: string | undefined;
    if (frame.functionName === '(idle)') part = 'idle';
    else if (frame.functionName === '(garbage collector)') part = 'garbage collector';
    else if (frame.functionName === '(program)') part = 'V8 and native code outside JavaScript';
    else part = PARTS.find(([re]) => re.test(frame.url))?.[1];
    if (!part) {
      const up = parent.get(id);
      part = up === undefined ? 'node internals' : of(up);
    }
    memo.set(id, part);
    return part;
  };
  return of;
}

/** A table of the window [fromUs, toUs] (the profiles' monotonic clock) over the processes' directories. */
export function summariseProfiles(dirs: string[], fromUs: number, toUs: number): string {
  const totals = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const dir of dirs) {
    const file = mainProfile(dir);
    if (!file) continue;
    const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const part = categorise(p);
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] ?? 0;
      if (t < fromUs || t > toUs) continue;
      const dt = p.timeDeltas[i + 1] ?? 0;
      const name = part(p.samples[i] as number);
      if (name === 'idle') idle += dt;
      else {
        busy += dt;
        totals.set(name, (totals.get(name) ?? 0) + dt);
      }
    }
  }
  const rows = [...totals]
    .sort((a, b) => b[1] - a[1])
    .map(
      ([name, us]) =>
        `      ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}`,
    );
  return [
    `    main threads of ${dirs.length} process(es) over the throughput run: ${(busy / 1e6).toFixed(2)} s busy, ${(idle / 1e6).toFixed(2)} s idle`,
    ...rows,
  ].join('\n');
}
