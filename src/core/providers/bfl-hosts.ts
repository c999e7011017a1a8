/**
 * Where the BFL key may go: polling URLs name cluster hosts under the API's own domain (or bfl.ai),
 * and anything else is refused before the key is sent.
 */

/** The cluster hosts BFL names share the API's domain (api.bfl.ai → api.eu2.bfl.ai). */
export function trustedPollingUrl(pollingUrl: string, baseUrl: string): boolean {
  let url: URL;
  let base: URL;
  try {
    url = new URL(pollingUrl);
    base = new URL(baseUrl);
  } catch {
    return false;
  }
  if (url.protocol !== base.protocol && url.protocol !== 'https:') return false;
  const host = url.hostname;
  if (host === base.hostname) return true;
  const parent = base.hostname.split('.').slice(-2).join('.');
  const domains = /^[\d.]+$|:/.test(base.hostname) ? ['bfl.ai'] : [parent, 'bfl.ai'];
  return domains.some((d) => host === d || host.endsWith(`.${d}`));
}
