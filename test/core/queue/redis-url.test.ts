import { describe, expect, it } from 'vitest';
import { redisOptions } from '../../../src/core/queue/redis-url.ts';

describe('redisOptions', () => {
  it('reads host, port, db index, credentials and TLS from REDIS_URL', () => {
    expect(redisOptions('redis://127.0.0.1:6379/3')).toEqual({ host: '127.0.0.1', port: 6379, db: 3 });
    expect(redisOptions('redis://redis')).toEqual({ host: 'redis', port: 6379 });
    expect(redisOptions('rediss://flux:p%40ss@cache.example.com:6380/0')).toEqual({
      host: 'cache.example.com',
      port: 6380,
      db: 0,
      username: 'flux',
      password: 'p@ss',
      tls: {},
    });
    expect(redisOptions('redis://[::1]:6379/1')).toMatchObject({ host: '::1', db: 1 });
  });
});
