/**
 * Webhook wakes across processes: BFL's call lands on whichever process the load balancer picks, while
 * the task's wait is in the process that runs it. A wake that finds no wait here is published on a Redis
 * channel, and every process wakes its own wait for that task (if it has one). Only the provider task id
 * travels: the call was already checked against the task's secret where it landed.
 */
import { Redis, type RedisOptions } from 'ioredis';

export interface WakeChannel {
  /** Tells every process that this provider task may be done. */
  publish(providerTaskId: string): void;
  /** Hears what any process published (this one included). */
  listen(wake: (providerTaskId: string) => void): void;
  close(): Promise<void>;
}

export async function createWakeChannel(
  connection: RedisOptions,
  channel: string,
  onError: (err: unknown) => void,
): Promise<WakeChannel> {
  const publisher = new Redis(connection);
  const subscriber = new Redis(connection);
  publisher.on('error', onError);
  subscriber.on('error', onError);
  const listeners: Array<(id: string) => void> = [];
  subscriber.on('message', (from: string, id: string) => {
    if (from === channel) for (const l of listeners) l(id);
  });
  await subscriber.subscribe(channel);
  return {
    publish(providerTaskId) {
      publisher.publish(channel, providerTaskId).catch(onError);
    },
    listen(wake) {
      listeners.push(wake);
    },
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
