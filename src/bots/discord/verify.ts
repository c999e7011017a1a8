/**
 * Discord signs each HTTP interaction with Ed25519 over `timestamp + rawBody`. node:crypto verifies it
 * with the application's public key (32 raw bytes, given as hex), wrapped in its DER prefix.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** How long a check may wait for a thread-pool slot before it is done on the main thread instead. */
const POOL_WAIT_MS = 25;

export function publicKeyFromHex(hex: string): KeyObject {
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

/**
 * The check is most of the CPU an interaction costs before its answer, so it runs on libuv's thread
 * pool (crypto.verify with a callback), where a burst's checks run side by side off the main thread.
 * That pool is shared with sharp, files and DNS: when it is full, waiting could cost the 3-second
 * deadline, so after POOL_WAIT_MS the check is done here and the pool's answer, when it comes, ignored.
 */
export function verifyDiscordSignature(
  key: KeyObject,
  signatureHex: string | undefined,
  timestamp: string | undefined,
  body: Buffer,
  poolWaitMs = POOL_WAIT_MS,
): Promise<boolean> {
  if (!signatureHex || !timestamp || !/^[0-9a-f]{128}$/i.test(signatureHex)) return Promise.resolve(false);
  const data = Buffer.concat([Buffer.from(timestamp), body]);
  const signature = Buffer.from(signatureHex, 'hex');
  return new Promise((resolve) => {
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ok);
    };
    const timer = setTimeout(() => settle(verifyHere(key, data, signature)), poolWaitMs);
    try {
      verify(null, data, key, signature, (err, ok) => settle(!err && ok));
    } catch {
      settle(false);
    }
  });
}

function verifyHere(key: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify(null, data, key, signature);
  } catch {
    return false;
  }
}
