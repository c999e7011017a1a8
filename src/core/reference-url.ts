/**
 * The one rule for a reference link a member gives us, on every path (Discord, Slack, forms, the CLI):
 * http(s) only, no credentials in it, and never an address inside a network — the provider (or we) would
 * fetch it from where we run, so `http://169.254.169.254/…` would read a cloud metadata service.
 *
 * WHATWG URL parsing first normalises the tricks (`http://2130706433/`, `http://0x7f.1/`, `http://127.1/`
 * are all 127.0.0.1); ipaddr.js then classifies the address, and only plain public unicast passes.
 * A DNS name that resolves to a private address is not caught here: that needs the resolver at fetch time
 * (providers/public-links.ts, for the links the bot fetches itself).
 */
import ipaddr from 'ipaddr.js';
import { ValidationError } from './errors.ts';

/** Why a link was refused: stable, for tests and logs; the text for members comes from `allowed`. */
export type ReferenceUrlProblem = 'not-a-url' | 'scheme' | 'credentials' | 'private-address' | 'local-name';

export class ReferenceUrlError extends ValidationError {
  readonly problem: ReferenceUrlProblem;
  constructor(problem: ReferenceUrlProblem, option: string, allowed: string, got: string) {
    super('REFERENCE_INVALID', option, allowed, got);
    this.problem = problem;
  }
}

export interface ReferenceUrlOptions {
  /** The option named in the refusal (`--ref 2`, `reference 1`). */
  option?: string;
  /**
   * Hosts (`host:port`) the operator configured for the platform itself (its API or file host, a
   * loopback fake in tests): links there are the platform's own and skip the address rule.
   */
  trustedHosts?: ReadonlySet<string>;
}

const PUBLIC_LINK = 'a public http(s) link to an image (not a private or local address)';

/** The link as a URL when it may be used as a reference; a ReferenceUrlError saying why not otherwise. */
export function checkReferenceUrl(raw: string, options: ReferenceUrlOptions = {}): URL {
  const option = options.option ?? 'reference';
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ReferenceUrlError('not-a-url', option, 'an http(s) link to an image', raw);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ReferenceUrlError('scheme', option, 'an http(s) link to an image', url.protocol);
  // The credentials are not echoed: they are somebody's secret.
  if (url.username || url.password)
    throw new ReferenceUrlError('credentials', option, 'a link without a user name or password', url.host);
  if (options.trustedHosts?.has(url.host)) return url;
  const problem = hostProblem(url.hostname);
  if (problem) throw new ReferenceUrlError(problem, option, PUBLIC_LINK, url.hostname);
  return url;
}

/** Whether a parsed URL's host is inside a network (for redirects we follow ourselves). */
export function isPrivateHost(hostname: string): boolean {
  return hostProblem(hostname) !== undefined;
}

function hostProblem(hostname: string): ReferenceUrlProblem | undefined {
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.+$/, '')
    .toLowerCase();
  if (ipaddr.isValid(host)) {
    // process() turns an IPv4-mapped IPv6 address (::ffff:127.0.0.1) back into the IPv4 it carries.
    const addr = ipaddr.process(host);
    if (addr.range() !== 'unicast') return 'private-address';
    // ipaddr.js calls the deprecated IPv4-compatible ::a.b.c.d "unicast": only 2000::/3 is global.
    return addr.kind() === 'ipv6' && !addr.match(GLOBAL_V6) ? 'private-address' : undefined;
  }
  const localName =
    // A bare name ("intranet", "metadata") only resolves inside a network.
    !host.includes('.') || LOCAL_SUFFIXES.some((s) => host === s || host.endsWith(`.${s}`));
  return localName ? 'local-name' : undefined;
}

const GLOBAL_V6 = ipaddr.parseCIDR('2000::/3');

/** Names that resolve only on a machine or inside a network (RFC 6761, 6762, 8375; cloud metadata). */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa', 'lan', 'localdomain'];
