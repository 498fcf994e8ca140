/**
 * The SyncStore contract, one suite for every implementation (SQLite, PostgreSQL, and any a user
 * writes): nothing lost, nothing duplicated, per-key and dependency order, holds, parking, leases.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EntityName, SyncStore } from '../src/index.js';

export type OpenStore = () => Promise<SyncStore>;

const staged = (key: string, hash: string, entity: EntityName = 'client') => ({ entity, key, hash, payload: { key, hash } });

export function describeStoreContract(name: string, openStore: OpenStore): void {
  describe(`SyncStore contract: ${name}`, () => {
    const opened: SyncStore[] = [];
    const open = async () => {
      const store = await openStore();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    it('commits records and cursor together and reports unchanged hashes', async () => {
      const store = await open();
      expect(await store.getCursor('src')).toBeNull();
      const first = await store.capture({ sourceId: 'src', cursor: 'c1', records: [staged('a', 'h1'), staged('b', 'h1')], invalid: [] });
      expect(first.enqueued).toHaveLength(2);
      expect(await store.getCursor('src')).toBe('c1');
      const again = await store.capture({ sourceId: 'src', cursor: 'c2', records: [staged('a', 'h1')], invalid: [] });
      expect(again.unchanged).toEqual([{ entity: 'client', key: 'a' }]);
      expect((await store.counts()).pending).toBe(2);
      expect(await store.getCursor('src')).toBe('c2');
    });

    it('replaces a waiting older version instead of queueing a second one; force queues an unchanged record', async () => {
      const store = await open();
      await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1')], invalid: [] });
      await store.capture({ sourceId: 's', cursor: '2', records: [staged('a', 'h2')], invalid: [] });
      const items = await store.claim(10, 'r1', 60_000);
      expect(items.map((i) => i.hash)).toEqual(['h2']);
      await store.complete(items[0] as never, { crmId: '9' });
      const forced = await store.capture({ sourceId: 's', records: [staged('a', 'h2')], invalid: [], force: true });
      expect(forced.enqueued).toHaveLength(1);
      expect(await store.getCursor('s')).toBe('2'); // a resync moves no cursor
    });

    it('claims each item once, in dependency then sequence order, and remembers the CRM id', async () => {
      const store = await open();
      await store.capture({
        sourceId: 's',
        cursor: '1',
        records: [staged('o1', 'h', 'occurrence'), staged('c1', 'h', 'contract'), staged('a', 'h'), staged('a-C', 'h', 'spouse'), staged('b', 'h')],
        invalid: [],
      });
      const items = await store.claim(10, 'r1', 60_000);
      expect(items.map((i) => i.key)).toEqual(['a-C', 'a', 'b', 'c1', 'o1']);
      expect(await store.claim(10, 'r2', 60_000)).toHaveLength(0);
      for (const item of items) await store.complete(item, { crmId: `id-${item.key}` });
      expect(await store.integrationId({ entity: 'client', key: 'a' })).toBe('id-a');
      const next = await store.capture({ sourceId: 's', cursor: '2', records: [staged('a', 'h'), staged('b', 'h2')], invalid: [] });
      expect(next.unchanged.map((r) => r.key)).toEqual(['a']);
      expect(next.enqueued.map((r) => r.key)).toEqual(['b']);
    });

    it('keeps per-key order: a newer version waits while the older one is in flight', async () => {
      const store = await open();
      await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1')], invalid: [] });
      const [first] = await store.claim(10, 'r1', 60_000);
      await store.capture({ sourceId: 's', cursor: '2', records: [staged('a', 'h2')], invalid: [] });
      expect(await store.claim(10, 'r2', 60_000)).toEqual([]);
      await store.complete(first as never, { crmId: '1' });
      expect((await store.claim(10, 'r2', 60_000)).map((i) => i.hash)).toEqual(['h2']);
    });

    it('a run never re-claims what it released; another run does; an expired lease frees an item', async () => {
      const store = await open();
      await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1'), staged('b', 'h1')], invalid: [] });
      const [a] = await store.claim(1, 'r1', 60_000);
      await store.release(a as never, { code: 'TIMEOUT', message: 'slow' });
      expect((await store.claim(10, 'r1', 50)).map((i) => i.key)).toEqual(['b']);
      const [again] = await store.claim(1, 'r2', 60_000);
      expect(again).toMatchObject({ key: 'a', attempts: 1 });
      await new Promise((r) => setTimeout(r, 80)); // r1's lease on b expires
      expect((await store.claim(10, 'r3', 60_000)).map((i) => i.key)).toEqual(['b']);
    });

    it('holds an item until what it waits for is completed', async () => {
      const store = await open();
      await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h')], invalid: [] });
      const [client] = await store.claim(10, 'r1', 60_000);
      await store.hold(client as never, { entity: 'spouse', key: 'a-C' }, { code: 'SPOUSE_WITHOUT_INTEGRATION_ID', message: 'x' });
      expect(await store.queueState({ entity: 'client', key: 'a' })).toBe('held');
      expect(await store.queueState({ entity: 'spouse', key: 'a-C' })).toBe('none');
      expect((await store.counts()).held).toBe(1);
      await store.capture({ sourceId: 's', records: [staged('a-C', 'h', 'spouse')], invalid: [], force: true });
      const [spouse] = await store.claim(10, 'r1', 60_000);
      expect(spouse?.key).toBe('a-C');
      await store.complete(spouse as never, { crmId: '5' });
      const [released] = await store.claim(10, 'r1', 60_000); // woken items are claimable again in the same run
      expect(released).toMatchObject({ key: 'a', attempts: 1 });
    });

    it('parks with code, reason, attempts and payload; unparks by filter; a new capture unparks', async () => {
      const store = await open();
      await store.capture({
        sourceId: 's',
        cursor: '1',
        records: [staged('a', 'h1'), staged('b', 'h1')],
        invalid: [{ entity: 'client', key: 'c', code: 'VALIDATION_FAILED', message: 'bad CPF' }],
      });
      const [a, b] = await store.claim(10, 'r1', 60_000);
      await store.park(a as never, { code: 'DUPLICATE_CPF', message: 'dup' });
      expect((await store.listParked()).map((p) => [p.key, p.code]).sort()).toEqual([
        ['a', 'DUPLICATE_CPF'],
        ['c', 'VALIDATION_FAILED'],
      ]);
      const [parkedA] = await store.listParked({ code: 'DUPLICATE_CPF' });
      expect(parkedA).toMatchObject({ key: 'a', attempts: 1, payload: { key: 'a', hash: 'h1' }, hash: 'h1', message: 'dup' });
      expect(await store.releaseClaims('r1')).toBe(1); // b
      expect((await store.counts()).pending).toBe(1);
      await store.capture({ sourceId: 's', cursor: '2', records: [staged('c', 'h9')], invalid: [] });
      expect((await store.listParked()).map((p) => p.key)).toEqual(['a']);
      expect((await store.unpark({ entity: 'client', key: 'a' })).map((p) => p.key)).toEqual(['a']);
      expect(await store.listParked()).toEqual([]);
      expect(b).toBeDefined();
    });

    it('grants the run lock to one owner at a time, renews it, and frees it when the lease expires', async () => {
      const store = await open();
      expect(await store.acquireRunLock('p1', 60_000)).toBe(true);
      expect(await store.acquireRunLock('p2', 60_000)).toBe(false);
      expect(await store.renewRunLock('p1', 100)).toBe(true);
      expect(await store.renewRunLock('p2', 100)).toBe(false);
      await new Promise((r) => setTimeout(r, 150));
      expect(await store.acquireRunLock('p2', 60_000)).toBe(true); // p1 died: its lease ran out
      expect(await store.renewRunLock('p1', 60_000)).toBe(false);
      await store.releaseRunLock('p2');
      expect(await store.acquireRunLock('p1', 60_000)).toBe(true);
      await store.releaseRunLock('p1');
    });

    it('keeps a run log', async () => {
      const store = await open();
      await store.saveRun({ id: 'r1', trigger: 'cron', startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:00:01.000Z', summary: { ok: true } });
      await store.saveRun({ id: 'r2', trigger: 'online', startedAt: '2026-01-01T00:01:00.000Z', endedAt: '2026-01-01T00:01:01.000Z', summary: { ok: false } });
      expect((await store.listRuns(5)).map((r) => [r.id, r.trigger, r.summary])).toEqual([
        ['r2', 'online', { ok: false }],
        ['r1', 'cron', { ok: true }],
      ]);
    });
  });
}
