/**
 * `npm run bench`: every benchmark against loopback fakes, figures printed with their targets.
 * `npm run bench -- core` runs one group (core, discord, slack, polling, discord-acks, slack-acks, harness,
 * scale).
 * Exit code 1 when a target is missed.
 */

import type { Figure } from './core.ts';

type Group = () => Promise<Figure[]>;

// Loaded on demand: the core's memory figure must not include discord.js and bolt sitting in the process.
const groups: Record<string, () => Promise<Group[]>> = {
  core: async () => {
    const core = await import('./core.ts');
    return [core.memory, core.throughput, core.slotUseAndLatency];
  },
  discord: async () => [(await import('./burst.ts')).discordBurst],
  slack: async () => [(await import('./burst.ts')).slackBurst],
  polling: async () => [(await import('./polling.ts')).wrongPriors],
  'discord-acks': async () => [(await import('./acks.ts')).discordAcks],
  'slack-acks': async () => [(await import('./acks.ts')).slackAcks],
  harness: async () => [(await import('./harness-check.ts')).harness],
  // Not in a plain `npm run bench`: it needs Postgres and Redis, and takes minutes.
  scale: async () => [(await import('./scale.ts')).scale],
};

/** Groups that run only when named (they need more than this repository: Postgres and Redis). */
const OPT_IN = new Set(['scale']);

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => a in groups);
  let missed = 0;
  for (const [name, load] of Object.entries(groups)) {
    if (only.length ? !only.includes(name) : OPT_IN.has(name)) continue;
    for (const bench of await load()) {
      const figures = await bench();
      for (const f of figures) {
        if (!f.ok) missed++;
        console.log(
          `${f.ok ? 'ok  ' : 'MISS'} [${name}] ${f.name}: ${f.value} ${f.unit}  (target ${f.target})`,
        );
      }
    }
  }
  process.exitCode = missed ? 1 : 0;
}

void main();
