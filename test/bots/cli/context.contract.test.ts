/**
 * The command line passes the same CommandContext contract as Discord and Slack. Its "platform" is the
 * terminal the actor typed into and the files it writes, so the harness reads back the lines written and
 * the files on disk. Where a terminal legitimately differs, the contract checks what the CLI does instead:
 * no threads and no buttons (results are files plus lines under the status), a context rebuilt from its
 * delivery data prints its own card (a restored job runs in a new process, never in the old terminal),
 * posted results are never removed (they are the member's files), and forms are refused in words.
 */
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCliContext, createCliFactory } from '../../../src/bots/cli/context.ts';
import {
  type ContractHarness,
  describeContextContract,
  type Observed,
} from '../../commands/context-contract.ts';

/** The contract card's first field: each card starts by printing its fields once. */
const CARD_START = /^Model: /;
const WROTE = /^Wrote (.+) \(\d+ KiB\)$/;

/** The lines written, split into results: each runs from its first "Wrote" line to its "Cost charged". */
function observe(lines: string[]): Observed {
  const results: Observed['results'] = [];
  let open: { paths: string[]; lines: string[] } | undefined;
  for (const line of lines) {
    const wrote = WROTE.exec(line);
    if (wrote && !open) open = { paths: [], lines: [] };
    if (!open) continue;
    if (wrote?.[1]) open.paths.push(wrote[1]);
    open.lines.push(line);
    if (line.startsWith('Cost charged: ')) {
      results.push({
        fileSizes: open.paths.map((p) => statSync(p).size),
        text: open.lines.join('\n'),
        inThread: false,
      });
      open = undefined;
    }
  }
  const written = lines.flatMap((l) => WROTE.exec(l)?.[1] ?? []);
  const lastCard = lines.findLastIndex((l) => CARD_START.test(l));
  return {
    // A terminal is seen by whoever typed the command only.
    privateTexts: lines,
    cardText: lastCard < 0 ? undefined : lines.slice(lastCard).join('\n'),
    cardsCreated: lines.filter((l) => CARD_START.test(l)).length,
    results,
    deletedResults: written.filter((p) => !existsSync(p)).length,
    forms: [],
  };
}

async function harness(): Promise<ContractHarness> {
  const lines: string[] = [];
  const output = { write: (text: string) => void lines.push(...text.split('\n').filter(Boolean)) };
  const out = join(mkdtempSync(join(tmpdir(), 'flux-cli-contract-')), 'fox.png');
  return {
    ctx: createCliContext({ out, output }),
    factory: createCliFactory(output),
    observe: async () => observe(lines),
    // A terminal never has threads: the same context is the case without them.
    withoutThreads: () => harness(),
    async close() {},
  };
}

describeContextContract('cli', harness, {
  noThreads: true,
  noButtons: true,
  restoredCardIsNew: true,
  keepsResults: true,
  noForms: true,
});
