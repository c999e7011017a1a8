/**
 * Child process for the crash-and-resume test: creates jobs on a store file against the fake BFL and
 * prints "SUBMITTED" once every task has been submitted; the parent then kills it with SIGKILL.
 * argv: dbPath bflUrl count mode (mode "mid-submit" stops the process inside the provider's POST).
 */

import { createCatalog } from '../../src/core/models.ts';
import { validateRequest } from '../../src/core/request.ts';
import { buildCore } from './core.ts';

const [dbPath, bflUrl, countRaw, mode] = process.argv.slice(2) as [string, string, string, string];
const catalog = createCatalog();
const { jobs, store } = buildCore(
  { url: bflUrl },
  { dbPath, maxQueuedPerUser: 100, productionLatency: true },
);
const prompt = mode === 'mid-submit' ? '[slow-submit] crash while submitting' : 'crash while polling';
const job = await jobs.create({
  request: validateRequest({ prompt, model: 'klein-4b', count: Number(countRaw), seed: 5 }, catalog),
  origin: { platform: 'cli', userId: 'crash', channelId: 'c' },
});
process.stdout.write(`JOB ${job.id}\n`);
const timer = setInterval(() => {
  const tasks = store.getTasks(job.id);
  const want = mode === 'mid-submit' ? 'submitting' : 'submitted';
  if (tasks.every((t) => t.state === want)) {
    clearInterval(timer);
    process.stdout.write('SUBMITTED\n');
  }
}, 5);
