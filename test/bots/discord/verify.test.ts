/** The Ed25519 check of HTTP interactions, on the thread pool and, when the pool is full, without it. */
import { pbkdf2, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyFromHex, verifyDiscordSignature } from '../../../src/bots/discord/verify.ts';
import { keyPair } from '../../support/discord.ts';

const keys = keyPair();
const key = publicKeyFromHex(keys.publicHex);
const body = Buffer.from('{"type":1}');
const timestamp = '1700000000';
const signature = sign(null, Buffer.from(timestamp + body.toString()), keys.privateKey).toString('hex');

describe('verifyDiscordSignature', () => {
  it('accepts Discord’s signature and refuses a changed body, timestamp, signature or key', async () => {
    expect(await verifyDiscordSignature(key, signature, timestamp, body)).toBe(true);
    expect(await verifyDiscordSignature(key, signature, timestamp, Buffer.from('{"type":2}'))).toBe(false);
    expect(await verifyDiscordSignature(key, signature, '1700000001', body)).toBe(false);
    // A different last byte (a signature that already ends in 00 gets 01: the key pair is new each run).
    const changed = `${signature.slice(0, -2)}${signature.endsWith('00') ? '01' : '00'}`;
    expect(await verifyDiscordSignature(key, changed, timestamp, body)).toBe(false);
    expect(await verifyDiscordSignature(key, signature.slice(2), timestamp, body)).toBe(false);
    expect(await verifyDiscordSignature(key, undefined, timestamp, body)).toBe(false);
    expect(await verifyDiscordSignature(key, signature, undefined, body)).toBe(false);
    const other = publicKeyFromHex(keyPair().publicHex);
    expect(await verifyDiscordSignature(other, signature, timestamp, body)).toBe(false);
  });

  it('does not wait for a thread pool busy with long work, and still refuses a bad signature', async () => {
    const order: string[] = [];
    // Four slow key derivations fill libuv's default pool of four threads.
    const blockers = Array.from(
      { length: 4 },
      () =>
        new Promise<void>((resolve) =>
          pbkdf2('p', 's', 400_000, 32, 'sha512', () => {
            order.push('pool work');
            resolve();
          }),
        ),
    );
    const good = verifyDiscordSignature(key, signature, timestamp, body, 5).then((ok) => {
      order.push(`good ${ok}`);
    });
    const bad = verifyDiscordSignature(key, signature, '1', body, 5).then((ok) => {
      order.push(`bad ${ok}`);
    });
    await Promise.all([good, bad, ...blockers]);
    expect(order.slice(0, 2).sort()).toEqual(['bad false', 'good true']);
  });
});
