import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockDataDir, prepareDataDir } from '../../../src/core/store/data-dir.ts';

describe('DATA_DIR', () => {
  it('makes missing parents, and is held by one store at a time until released', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'flux-dir-')), 'a', 'b');
    prepareDataDir(dir);
    const held = lockDataDir(dir, 'flux');
    expect(() => lockDataDir(dir, 'flux')).toThrow(
      `DATA_DIR ${dir} is in use by another flux-bot process (pid ${process.pid})`,
    );
    // Another database in the same directory (the CLI's) is its own lock.
    lockDataDir(dir, 'cli').release();
    held.release();
    expect(existsSync(join(dir, 'flux.pid'))).toBe(false);
    lockDataDir(dir, 'flux').release();
  });
});
