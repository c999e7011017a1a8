/**
 * Child process for the crash-and-resume test: creates jobs on a store file against the fake BFL and
 * prints "SUBMITTED" once every task has been submitted; the parent then kills it with SIGKILL.
 * argv: dbPath bflUrl count mode (mode "mid-submit" stops the process inside the provider's POST).
 */
import { createJobs } from '../../src/core/jobs.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createCatalog } from '../../src/core/models.ts';
import { DEFAULT_PRICES } from '../../src/core/pricing.ts';
import { createBflProvider } from '../../src/core/providers/bfl.ts';
import { createHttp } from '../../src/core/providers/http.ts';
import { validateRequest } from '../../src/core/request.ts';
import { createSqliteStore } from '../../src/core/store/sqlite.ts';

const [dbPath, bflUrl, countRaw, mode] = process.argv.slice(2) as [string, string, string, string];
const catalog = createCatalog();
const store = createSqliteStore(dbPath);
const http = createHttp();
const provider = createBflProvider({
  apiKey: 'bfl_test_key_0123456789',
  baseUrl: bflUrl,
  catalog,
  dispatcher: http.dispatcher,
  logger: silentLogger(),
});
const jobs = createJobs({
  store,
  provider,
  catalog,
  prices: DEFAULT_PRICES,
  maxActive: 24,
  maxQueuedPerUser: 100,
  logger: silentLogger(),
});
const prompt = mode === 'mid-submit' ? '[slow-submit] crash while submitting' : 'crash while polling';
const job = jobs.create({
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
