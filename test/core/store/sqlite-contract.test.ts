import { describe } from 'vitest';
import { createSqliteAsyncStore } from '../../../src/core/store/sqlite-async.ts';
import { tempDb } from '../../support/core.ts';
import { storeContract } from './contract.ts';

describe('the store contract on SQLite (embedded mode)', () => {
  storeContract({
    async fresh() {
      const path = tempDb();
      return { open: async () => createSqliteAsyncStore(path), drop: async () => undefined };
    },
  });
});
