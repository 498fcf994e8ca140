import { describe } from 'vitest';
import { PG_URL, pgAvailable } from '../../../tooling/test/pg.js';
import { PostgresStore } from '../src/store/postgres-store.js';
import { describeStoreContract } from './store-contract.js';

let n = 0;
const run = `store_t${process.pid}`;

describe.skipIf(!pgAvailable)('PostgreSQL', () => {
  describeStoreContract('PostgreSQL', async () => {
    // A fresh schema per test; dropped when the store is closed.
    const store = await PostgresStore.open({ pool: { connectionString: PG_URL, max: 4 }, schema: `${run}_${++n}` });
    const close = store.close.bind(store);
    return Object.assign(store, {
      close: async () => {
        await store.drop();
        await close();
      },
    });
  });
});
