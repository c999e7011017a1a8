/**
 * The real Redis these tests need, on a database index of their own (picked at random among the empty
 * ones in 1–15, flushed before and after). Without Redis the suite is skipped loudly — unless CI=true,
 * where a missing Redis is a failure.
 */
import { Redis } from 'ioredis';

export interface TestRedis {
  connection: { host: string; port: number; db: number };
  flush(): Promise<void>;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const PORT = 6379;
const START = `redis-server --daemonize yes --bind ${HOST} --port ${PORT} --save "" --appendonly no`;

export async function openTestRedis(): Promise<TestRedis | undefined> {
  const probe = new Redis({ host: HOST, port: PORT, lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    probe.disconnect();
    const why = `Redis is not reachable at ${HOST}:${PORT} (${(err as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${why}; CI needs it for the BullMQ queue tests.`);
    console.warn(`\n*** SKIPPING the BullMQ queue tests: ${why}.\n*** Start one with: ${START}\n`);
    return undefined;
  }
  const order = Array.from({ length: 15 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
  let db = order[0] as number;
  for (const candidate of order) {
    await probe.select(candidate);
    if ((await probe.dbsize()) === 0) {
      db = candidate;
      break;
    }
  }
  await probe.select(db);
  const flush = async () => {
    await probe.flushdb();
  };
  await flush();
  return {
    connection: { host: HOST, port: PORT, db },
    flush,
    async close() {
      await flush();
      probe.disconnect();
    },
  };
}
