import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { publicOnlyLookup, type Resolve } from '../../../src/core/providers/public-links.ts';

/** A resolver that answers every name with these addresses. */
const answering =
  (...addresses: LookupAddress[]): Resolve =>
  (_host, _options, callback) =>
    callback(null, addresses);

/** What the lookup hands net.connect: [error code, address or list, family]. */
function lookUp(resolve: Resolve, all: boolean) {
  return new Promise<unknown[]>((done) =>
    publicOnlyLookup(resolve)('pics.example.net', { all }, (err, address, family) =>
      done([err?.code ?? null, address, family]),
    ),
  );
}

describe('the lookup for links members gave', () => {
  it('hands back public addresses in the form net.connect asked for (one, or all)', async () => {
    const resolve = answering(
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    );
    expect(await lookUp(resolve, false)).toEqual([null, '93.184.216.34', 4]);
    expect(await lookUp(resolve, true)).toEqual([
      null,
      [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
      undefined,
    ]);
  });

  it('refuses a name when any of its addresses is inside a network, whichever family', async () => {
    for (const inside of [
      '10.0.0.5',
      '169.254.169.254',
      '127.0.0.1',
      '100.64.0.1',
      'fd00::1',
      '::ffff:192.168.1.1',
    ]) {
      const resolve = answering(
        { address: '93.184.216.34', family: 4 },
        { address: inside, family: inside.includes(':') ? 6 : 4 },
      );
      for (const all of [false, true])
        expect((await lookUp(resolve, all))[0], inside).toBe('EPRIVATEADDRESS');
    }
  });

  it('passes on a resolver error, and refuses a name with no address', async () => {
    const failing: Resolve = (_h, _o, cb) => cb(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }), []);
    expect((await lookUp(failing, false))[0]).toBe('ENOTFOUND');
    expect((await lookUp(answering(), true))[0]).toBe('ENOTFOUND');
  });
});
