/**
 * `npm run bench`: every benchmark against loopback fakes, figures printed with their targets.
 * `npm run bench -- core` runs one group (core, discord, slack). Exit code 1 when a target is missed.
 */

import { discordBurst, slackBurst } from './burst.ts';
import { type Figure, memory, slotUseAndLatency, throughput } from './core.ts';

type Group = () => Promise<Figure[]>;

const groups: Record<string, Group[]> = {
  core: [memory, throughput, slotUseAndLatency],
  discord: [discordBurst],
  slack: [slackBurst],
};

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => a in groups);
  let missed = 0;
  for (const [name, benches] of Object.entries(groups)) {
    if (only.length && !only.includes(name)) continue;
    for (const bench of benches) {
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
