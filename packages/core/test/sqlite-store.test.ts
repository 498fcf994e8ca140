import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite-store.js';

const stores: SqliteStore[] = [];
const open = (path = ':memory:') => {
  const store = new SqliteStore({ path });
  stores.push(store);
  return store;
};
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

const staged = (key: string, hash: string) => ({ entity: 'client' as const, key, hash, payload: { key, hash } });

describe('SqliteStore', () => {
  it('commits records and cursor together and reports unchanged hashes', async () => {
    const store = open();
    expect(await store.getCursor('src')).toBeNull();
    const first = await store.capture({ sourceId: 'src', cursor: 'c1', records: [staged('a', 'h1'), staged('b', 'h1')], invalid: [] });
    expect(first.enqueued).toHaveLength(2);
    expect(await store.getCursor('src')).toBe('c1');
    // same content queued already: unchanged
    const again = await store.capture({ sourceId: 'src', cursor: 'c2', records: [staged('a', 'h1')], invalid: [] });
    expect(again.unchanged).toEqual([{ entity: 'client', key: 'a' }]);
    expect(await store.pendingCount()).toBe(2);
  });

  it('replaces a pending older version instead of queueing a second one', async () => {
    const store = open();
    await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1')], invalid: [] });
    await store.capture({ sourceId: 's', cursor: '2', records: [staged('a', 'h2')], invalid: [] });
    const items = await store.claim(10, 'run-1');
    expect(items).toHaveLength(1);
    expect(items[0]?.hash).toBe('h2');
  });

  it('claims each item once, and a delivered hash makes the same content unchanged', async () => {
    const store = open();
    await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1'), staged('b', 'h1')], invalid: [] });
    const items = await store.claim(10, 'run-1');
    expect(await store.claim(10, 'run-1')).toHaveLength(0);
    for (const item of items) await store.complete(item, { crmId: `id-${item.key}` });
    expect(await store.integrationId({ entity: 'client', key: 'a' })).toBe('id-a');
    const next = await store.capture({ sourceId: 's', cursor: '2', records: [staged('a', 'h1'), staged('b', 'h2')], invalid: [] });
    expect(next.unchanged.map((r) => r.key)).toEqual(['a']);
    expect(next.enqueued.map((r) => r.key)).toEqual(['b']);
  });

  it('parks failures, unparks on a new capture, and re-queues items left in flight', async () => {
    const store = open();
    await store.capture({
      sourceId: 's',
      cursor: '1',
      records: [staged('a', 'h1'), staged('b', 'h1')],
      invalid: [{ entity: 'client', key: 'c', code: 'VALIDATION_FAILED', message: 'bad CPF' }],
    });
    const [a, b] = await store.claim(10, 'run-1');
    if (!a || !b) throw new Error('expected two items');
    await store.park(a, { code: 'DUPLICATE_CPF', message: 'dup' });
    expect((await store.listParked()).map((p) => [p.key, p.code]).sort()).toEqual([
      ['a', 'DUPLICATE_CPF'],
      ['c', 'VALIDATION_FAILED'],
    ]);
    expect(await store.recoverInFlight()).toBe(1); // b
    expect(await store.pendingCount()).toBe(1);
    await store.capture({ sourceId: 's', cursor: '2', records: [staged('c', 'h9')], invalid: [] });
    expect((await store.listParked()).map((p) => p.key)).toEqual(['a']);
  });

  it('claims in dependency order (spouse, client, contract, occurrence), then in sequence order', async () => {
    const store = open();
    const rec = (entity: 'spouse' | 'client' | 'contract' | 'occurrence', key: string) => ({ entity, key, hash: 'h', payload: {} });
    await store.capture({
      sourceId: 's',
      cursor: '1',
      records: [rec('occurrence', 'o1'), rec('contract', 'c1'), rec('client', 'a'), rec('spouse', 'a-C'), rec('client', 'b')],
      invalid: [],
    });
    const items = await store.claim(10, 'run-1');
    expect(items.map((i) => i.key)).toEqual(['a-C', 'a', 'b', 'c1', 'o1']);
  });

  it('release puts an item back with its attempt count and error', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'store-')), 'store.db');
    const store = open(path);
    await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1')], invalid: [] });
    const [item] = await store.claim(1, 'run-1');
    if (!item) throw new Error('expected an item');
    await store.release(item, { code: 'TIMEOUT', message: 'slow' });
    expect(await store.claim(1, 'run-1')).toEqual([]); // a run never re-claims what it released
    const [again] = await store.claim(1, 'run-2');
    expect(again?.attempts).toBe(1);
    await store.close();
    // migrations are versioned and applied once
    const db = new Database(path);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.close();
    const reopened = open(path);
    expect(await reopened.getCursor('s')).toBe('1');
  });
});
