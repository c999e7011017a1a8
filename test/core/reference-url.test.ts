import { describe, expect, it } from 'vitest';
import {
  checkReferenceUrl,
  ReferenceUrlError,
  type ReferenceUrlProblem,
} from '../../src/core/reference-url.ts';

const allowed = [
  'https://images.example.com/fox.jpg?w=1&h=2',
  'http://images.example.com/fox.png',
  'https://8.8.8.8/a.png',
  'https://1.1.1.1:8443/a.png',
  'https://[2606:4700::1111]/a.png',
  'https://cdn.discordapp.com/attachments/1/2/a.png',
  'https://example.com./a.png',
];

const refused: Array<[string, ReferenceUrlProblem]> = [
  // Loopback, in every spelling WHATWG URL normalises.
  ['http://127.0.0.1/a.png', 'private-address'],
  ['http://127.1/a.png', 'private-address'],
  ['http://2130706433/a.png', 'private-address'],
  ['http://0x7f.1/a.png', 'private-address'],
  ['http://0x7f000001/a.png', 'private-address'],
  ['http://0177.0.0.1/a.png', 'private-address'],
  ['http://127.0.0.1./a.png', 'private-address'],
  ['http://[::1]/a.png', 'private-address'],
  // RFC 1918, link-local (cloud metadata), CGNAT, "this network", broadcast, multicast, reserved.
  ['http://10.0.0.5/a.png', 'private-address'],
  ['http://172.16.0.1/a.png', 'private-address'],
  ['http://172.31.255.255/a.png', 'private-address'],
  ['http://192.168.1.10/a.png', 'private-address'],
  ['http://169.254.169.254/latest/meta-data', 'private-address'],
  ['http://100.64.0.1/a.png', 'private-address'],
  ['http://100.127.255.254/a.png', 'private-address'],
  ['http://0.0.0.0/a.png', 'private-address'],
  ['http://0/a.png', 'private-address'],
  ['http://255.255.255.255/a.png', 'private-address'],
  ['http://224.0.0.1/a.png', 'private-address'],
  ['http://240.0.0.1/a.png', 'private-address'],
  ['http://192.0.2.1/a.png', 'private-address'],
  // IPv6: unspecified, unique local, link-local, site-local, documentation, and IPv4 carried inside.
  ['http://[::]/a.png', 'private-address'],
  ['http://[fd00::1]/a.png', 'private-address'],
  ['http://[fc00::1]/a.png', 'private-address'],
  ['http://[fe80::1]/a.png', 'private-address'],
  ['http://[fec0::1]/a.png', 'private-address'],
  ['http://[2001:db8::1]/a.png', 'private-address'],
  ['http://[::ffff:127.0.0.1]/a.png', 'private-address'],
  ['http://[::ffff:169.254.169.254]/a.png', 'private-address'],
  ['http://[::ffff:10.0.0.1]/a.png', 'private-address'],
  ['http://[::127.0.0.1]/a.png', 'private-address'],
  ['http://[64:ff9b::a9fe:a9fe]/a.png', 'private-address'],
  ['http://[2002:7f00:1::]/a.png', 'private-address'],
  ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/a.png', 'private-address'],
  // Names that only resolve on this machine or inside a network.
  ['http://localhost:8080/a.png', 'local-name'],
  ['http://LOCALHOST./a.png', 'local-name'],
  ['http://app.localhost/a.png', 'local-name'],
  ['http://printer.local/a.png', 'local-name'],
  ['http://metadata.google.internal/computeMetadata/v1/', 'local-name'],
  ['http://db.internal/a.png', 'local-name'],
  ['http://nas.home.arpa/a.png', 'local-name'],
  ['http://metadata/computeMetadata', 'local-name'],
  // Credentials, other schemes, not a link at all.
  ['https://user:pass@images.example.com/a.png', 'credentials'],
  ['https://token@images.example.com/a.png', 'credentials'],
  ['file:///etc/passwd', 'scheme'],
  ['ftp://images.example.com/a.png', 'scheme'],
  ['gopher://127.0.0.1:6379/_INFO', 'scheme'],
  ['data:image/png;base64,iVBORw0KGgo=', 'scheme'],
  ['javascript:alert(1)', 'scheme'],
  ['not a link', 'not-a-url'],
  ['/etc/passwd', 'not-a-url'],
];

function problemOf(raw: string): ReferenceUrlProblem | undefined {
  try {
    checkReferenceUrl(raw, { option: '--ref' });
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ReferenceUrlError);
    return (err as ReferenceUrlError).problem;
  }
}

describe('reference links', () => {
  it.each(allowed)('allows the public link %s', (raw) => {
    expect(problemOf(raw)).toBeUndefined();
  });

  it.each(refused)('refuses %s (%s)', (raw, problem) => {
    expect(problemOf(raw)).toBe(problem);
  });

  it('names the option and what is allowed, as a REFERENCE_INVALID that spends nothing', () => {
    const err = (() => {
      try {
        checkReferenceUrl('http://169.254.169.254/latest', { option: '--ref 2' });
      } catch (e) {
        return e as ReferenceUrlError;
      }
    })();
    expect(err).toMatchObject({ code: 'REFERENCE_INVALID', charge: 'none', option: '--ref 2' });
    expect(err?.allowed).toContain('public');
    expect(err?.got).toBe('169.254.169.254');
  });

  it('never repeats the credentials of a link it refuses', () => {
    try {
      checkReferenceUrl('https://alice:s3cret@images.example.com/a.png');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cret');
      expect((err as Error).message).not.toContain('alice');
    }
  });

  it('lets the platform’s own configured host through, and nothing else on loopback', () => {
    const trustedHosts = new Set(['127.0.0.1:4000']);
    expect(checkReferenceUrl('http://127.0.0.1:4000/cdn/a.png', { trustedHosts }).host).toBe(
      '127.0.0.1:4000',
    );
    expect(() => checkReferenceUrl('http://127.0.0.1:4001/a.png', { trustedHosts })).toThrow(
      ReferenceUrlError,
    );
    expect(() => checkReferenceUrl('http://u:p@127.0.0.1:4000/a.png', { trustedHosts })).toThrow(
      ReferenceUrlError,
    );
  });
});
