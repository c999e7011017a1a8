/**
 * Connections for links a member gave us (a reference the gateway needs as bytes): a host name is
 * resolved when the connection is made, and refused when any address it resolves to is inside a
 * network. So a public-looking name that points at 169.254.169.254 or 10.0.0.5 — or that answers with a
 * public address to a check and a private one a moment later — never gets a request from us. Literal
 * addresses are not resolved: the link rule (reference-url.ts) and the redirect rule (download.ts) judge
 * those.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isPrivateHost } from '../reference-url.ts';

/** dns.lookup as this module calls it (every address); tests give their own. */
export type Resolve = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** A `lookup` for net.connect that only ever hands back public addresses. */
export function publicOnlyLookup(resolve: Resolve = dnsLookup as Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const inside = addresses.find((a) => isPrivateHost(a.address));
      const first = addresses[0];
      if (inside || !first) {
        const refused: NodeJS.ErrnoException = new Error(
          `${hostname} resolves to ${inside ? 'an address inside a network' : 'no address'}`,
        );
        refused.code = inside ? 'EPRIVATEADDRESS' : 'ENOTFOUND';
        return callback(refused, '');
      }
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}
