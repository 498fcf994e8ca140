import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('SQLite', () => SqliteStore.open({ path: ':memory:' }));

describe('SqliteStore', () => {
  it('applies versioned migrations once and keeps data across reopenings', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'store-')), 'store.db');
    const store = new SqliteStore({ path });
    await store.capture({ sourceId: 's', cursor: '1', records: [{ entity: 'client', key: 'a', hash: 'h', payload: {} }], invalid: [] });
    await store.close();
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(7);
    const indexes = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' AND sql IS NOT NULL ORDER BY name").all() as Array<{
        name: string;
      }>
    ).map((r) => r.name);
    expect(indexes).toEqual(['outbox_by_key', 'outbox_by_waiting', 'outbox_claim_order']);
    // Expired leases and lookups by state still walk an index, not the table.
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    expect(plan("SELECT seq FROM outbox WHERE state = 'inflight' AND lease_until < 1 ORDER BY rank, seq")).toMatch(
      /USING INDEX outbox_claim_order \(state=\?\)$/,
    );
    expect(plan("SELECT EXISTS (SELECT 1 FROM outbox WHERE state = 'held')")).toMatch(/USING COVERING INDEX outbox_claim_order/);
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
    await expect(two.close()).rejects.toMatchObject({ code: 'STORE_BUSY' }); // it holds the run lock
    await two.releaseRunLock('two');
    await two.close();
  });
});
