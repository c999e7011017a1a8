/**
 * Child process for the cross-process budget race: tries to create N jobs in one workspace against a
 * shared store file and prints how many were accepted. argv: dbPath count
 */
import { buildCore, origin, request } from './core.ts';

const [dbPath, countRaw] = process.argv.slice(2) as [string, string];
const { jobs, close } = buildCore(
  { url: 'http://127.0.0.1:9' },
  { dbPath, maxQueuedPerUser: 1000, maxActive: 1 },
);
let accepted = 0;
for (let i = 0; i < Number(countRaw); i++) {
  try {
    await jobs.create({
      request: request({ prompt: `race ${i}`, model: 'pro' }),
      origin: { ...origin(`p${process.pid}-${i}`), workspaceId: 'W1' },
      awaitConfirmation: true,
    });
    accepted++;
  } catch {
    // refused by the budget
  }
}
process.stdout.write(`${accepted}\n`);
await close();
