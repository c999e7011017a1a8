import { describe, expect, it } from 'vitest';
import { unsupportedNode } from '../src/node-support.ts';

describe('unsupportedNode', () => {
  it('names the Node 24 releases that abort with better-sqlite3 12, and only those', () => {
    for (const v of ['24.19.0', '24.20.1', '24.21.9'])
      expect(unsupportedNode(v)).toMatch(/24\.19\.0 to 24\.21\.x.*24\.22 or later/);
    for (const v of ['20.18.0', '20.20.2', '22.23.5', '24.0.0', '24.18.3', '24.22.0', '24.22.3', '25.1.0'])
      expect(unsupportedNode(v)).toBeUndefined();
  });

  it('agrees with the engines field of package.json', async () => {
    const { engines } = (await import('../package.json', { with: { type: 'json' } })).default as {
      engines: { node: string };
    };
    expect(engines.node).toContain('>=24.0.0 <24.19.0 || ^24.22.0');
  });
});
