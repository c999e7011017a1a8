/**
 * Child process for the stalled-job test: a scheduler on the parent's queue whose tasks never end. It
 * prints "STARTED <key>" when a task starts; the parent then kills it with SIGKILL, mid-task.
 * argv: db queueName lockDurationMs
 */
import { createBullmqScheduler } from '../../../src/core/queue/bullmq-scheduler.ts';

const [db, queueName, lockMs] = process.argv.slice(2) as [string, string, string];
const scheduler = await createBullmqScheduler({
  connection: { host: '127.0.0.1', port: 6379, db: Number(db) },
  queueName,
  maxActive: 1,
  lockDurationMs: Number(lockMs),
  stalledIntervalMs: Number(lockMs),
});
scheduler.start((key) => () => {
  process.stdout.write(`STARTED ${key}\n`);
  return new Promise<void>(() => undefined);
});
process.stdout.write('READY\n');
