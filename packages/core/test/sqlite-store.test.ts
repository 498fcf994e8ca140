import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('SQLite', async () => new SqliteStore({ path: ':memory:' }));

describe('SqliteStore', () => {
  it('applies versioned migrations once and keeps data across reopenings', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'store-')), 'store.db');
    const store = new SqliteStore({ path });
    await store.capture({ sourceId: 's', cursor: '1', records: [{ entity: 'client', key: 'a', hash: 'h', payload: {} }], invalid: [] });
    await store.close();
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    db.close();
    const reopened = new SqliteStore({ path });
    expect(await reopened.getCursor('s')).toBe('1');
    expect((await reopened.counts()).pending).toBe(1);
    await reopened.close();
  });

  it('two handles on one file (two processes) cannot both take the run lock', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'store-')), 'store.db');
    const one = new SqliteStore({ path });
    const two = new SqliteStore({ path });
    expect(await one.acquireRunLock('one', 60_000)).toBe(true);
    expect(await two.acquireRunLock('two', 60_000)).toBe(false);
    await one.releaseRunLock('one');
    expect(await two.acquireRunLock('two', 60_000)).toBe(true);
    await one.close();
    await two.close();
  });
});
