/** Shared by the provider tests: captured logs, expected failures, dispatchers with scripted connects. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, buildConnector, errors } from 'undici';
import { expect } from 'vitest';
import { ProviderError } from '../../../src/core/errors.ts';
import type { CapturedLogs } from '../../support/logs.ts';

/** Every ProviderError the tests of this file saw, so afterAll can check none carries a secret. */
export const seenErrors: ProviderError[] = [];

/** The ProviderError a promise rejects with; fails the test when it resolves or throws anything else. */
export async function failure(p: Promise<unknown>): Promise<ProviderError> {
  let result: unknown;
  try {
    result = await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    seenErrors.push(err as ProviderError);
    return err as ProviderError;
  }
  throw new Error(`expected a ProviderError, got ${JSON.stringify(result)?.slice(0, 100)}`);
}

/** Everything an error carries that could reach a user or a log. */
export function errorText(err: ProviderError): string {
  return JSON.stringify({ m: err.message, d: err.detail, s: String(err), c: String(err.cause ?? '') });
}

/** After a file's tests: the key reached no log line, nor any of the (more than `minErrors`) errors seen. */
export function expectKeyKeptOut(logs: CapturedLogs, key: string, minErrors: number): void {
  expect(logs.text()).not.toContain(key);
  expect(seenErrors.length).toBeGreaterThan(minErrors);
  for (const err of seenErrors) expect(errorText(err)).not.toContain(key);
}

export type ConnectFault = 'refused' | 'timeout' | 'dns';

/**
 * An Agent whose connects fail as scripted before any byte is sent: `plan(port, attempt)` returns a
 * fault, or undefined to connect for real. Counts connect attempts per port.
 */
export function scriptedAgent(plan: (port: number, attempt: number) => ConnectFault | undefined) {
  const real = buildConnector({});
  const attempts = new Map<number, number>();
  const agent = new Agent({
    connect(opts, cb) {
      const port = Number(opts.port);
      const n = (attempts.get(port) ?? 0) + 1;
      attempts.set(port, n);
      const fault = plan(port, n);
      if (fault === 'timeout') return cb(new errors.ConnectTimeoutError('Connect Timeout Error'), null);
      if (fault === 'refused' || fault === 'dns') {
        const code = fault === 'refused' ? 'ECONNREFUSED' : 'ENOTFOUND';
        return cb(Object.assign(new Error(`connect ${code} 127.0.0.1:${port}`), { code }), null);
      }
      return real(opts, cb);
    },
  });
  return { agent, attempts: (port: number) => attempts.get(port) ?? 0 };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}
