/**
 * Cores for a test file: kept apart from core.ts so benches can build a core without loading vitest
 * (which alone adds ~20 MB to the resident memory a bench measures).
 */
import { afterEach, beforeEach } from 'vitest';
import { type FakeBfl, type FakeBflOptions, startFakeBfl } from '../fakes/bfl-server.ts';
import { buildCore, type Core, type CoreOptions } from './core.ts';

/**
 * A fake BFL started before each test, and cores against it made through `core()`: all closed after the
 * test (a core the test closed itself may be closed again).
 */
export function useCores(bflOptions: Partial<FakeBflOptions> = {}) {
  let bfl: FakeBfl | undefined;
  const open: Core[] = [];
  beforeEach(async () => {
    bfl = await startFakeBfl(bflOptions);
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
    await bfl?.close();
  });
  const fixture = {
    get bfl(): FakeBfl {
      if (!bfl) throw new Error('no fake BFL outside a test');
      return bfl;
    },
    core(options: CoreOptions = {}): Core {
      const c = buildCore(fixture.bfl, options);
      open.push(c);
      return c;
    },
  };
  return fixture;
}
