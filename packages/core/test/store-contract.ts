/**
 * The SyncStore contract, one suite for every implementation (SQLite, PostgreSQL, and any a user
 * writes): nothing lost, nothing duplicated, per-key and dependency order, holds, parking, leases.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENTITIES, type EntityName, type LoggedRunSummary, type OutboxItem, type SyncStore } from '../src/index.js';
import { REMOVED_HASH } from '../src/store/policy.js';

export type OpenStore = () => Promise<SyncStore>;

const staged = (key: string, hash: string, entity: EntityName = 'client') => ({ entity, key, hash, payload: { key, hash } });
const claimRuns = new Map<SyncStore, Set<string>>();
/** Claims at `now` (default: the wall clock; a later `now` stands for time passing, no sleeping). */
const claim = (store: SyncStore, limit: number, runId: string, leaseMs: number, owner = 'host:1:test', now = Date.now()) => {
  claimRuns.set(store, (claimRuns.get(store) ?? new Set()).add(runId));
  return store.claim({ limit, runId, leaseMs, owner, now });
};
const SECOND = 1_000;
const complete = async (store: SyncStore, item: OutboxItem | undefined, crmId: string) => {
  expect(await store.completeMany([[item as OutboxItem, { crmId }]])).toEqual([]);
};

export function describeStoreContract(name: string, openStore: OpenStore): void {
  describe(`SyncStore contract: ${name}`, () => {
    const opened: SyncStore[] = [];
    const open = async () => {
      const store = await openStore();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) {
        for (const runId of claimRuns.get(s) ?? []) await s.releaseClaims(runId);
        await s.close();
      }
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
      const items = await claim(store, 10, 'r1', 60_000);
      expect(items.map((i) => i.hash)).toEqual(['h2']);
      await complete(store, items[0] as never, '9');
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
      const items = await claim(store, 10, 'r1', 60_000);
      expect(items.map((i) => i.key)).toEqual(['a-C', 'a', 'b', 'c1', 'o1']);
      expect(await claim(store, 10, 'r2', 60_000)).toHaveLength(0);
      for (const item of items) await complete(store, item, `id-${item.key}`);
      expect(await store.integrationId({ entity: 'client', key: 'a' })).toBe('id-a');
      const next = await store.capture({ sourceId: 's', cursor: '2', records: [staged('a', 'h'), staged('b', 'h2')], invalid: [] });
      expect(next.unchanged.map((r) => r.key)).toEqual(['a']);
      expect(next.enqueued.map((r) => r.key)).toEqual(['b']);
    });

    it('pages delivered keys per entity in key order (keyset), leaving out removed ones; a removal is queued once, a re-entry again', async () => {
      const store = await open();
      const keys = ['k03', 'k01', 'k10', 'k02', 'k05'];
      await store.capture({ sourceId: 's', cursor: '1', records: [...keys.map((k) => staged(k, 'h')), staged('k04', 'h', 'contract')], invalid: [] });
      for (const item of await claim(store, 10, 'r1', 60_000)) await complete(store, item, `id-${item.key}`);
      expect(await store.deliveredKeys('client', null, 2)).toEqual(['k01', 'k02']);
      expect(await store.deliveredKeys('client', 'k02', 2)).toEqual(['k03', 'k05']);
      expect(await store.deliveredKeys('client', 'k05', 2)).toEqual(['k10']);
      expect(await store.deliveredKeys('client', 'k10', 2)).toEqual([]);
      expect(await store.deliveredKeys('contract', null, 100)).toEqual(['k04']);
      // A removal delivered: the key is no longer listed, the same removal again is unchanged, its CRM id kept.
      const removal = { entity: 'client' as const, key: 'k02', hash: REMOVED_HASH, payload: { cause: 'deleted' } };
      expect((await store.capture({ sourceId: 's', records: [removal], invalid: [] })).enqueued).toHaveLength(1);
      for (const item of await claim(store, 10, 'r2', 60_000)) await complete(store, item, 'id-k02');
      expect(await store.deliveredKeys('client', null, 100)).toEqual(['k01', 'k03', 'k05', 'k10']);
      expect((await store.capture({ sourceId: 's', records: [removal], invalid: [] })).unchanged).toHaveLength(1);
      expect(await store.integrationId({ entity: 'client', key: 'k02' })).toBe('id-k02');
      // A re-entry with the content it had before the removal is queued again.
      expect((await store.capture({ sourceId: 's', records: [staged('k02', 'h')], invalid: [] })).enqueued).toHaveLength(1);
    });

    it('keeps per-key order: a newer version waits while the older one is in flight', async () => {
      const store = await open();
      await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1')], invalid: [] });
      const [first] = await claim(store, 10, 'r1', 60_000);
      await store.capture({ sourceId: 's', cursor: '2', records: [staged('a', 'h2')], invalid: [] });
      expect(await claim(store, 10, 'r2', 60_000)).toEqual([]);
      await complete(store, first as never, '1');
      expect((await claim(store, 10, 'r2', 60_000)).map((i) => i.hash)).toEqual(['h2']);
    });

    it('a run never re-claims what it released; another run does; an expired lease frees an item', async () => {
      const store = await open();
      await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1'), staged('b', 'h1')], invalid: [] });
      const [a] = await claim(store, 1, 'r1', 60_000);
      expect(await store.retryLater(a as never, { code: 'TIMEOUT', message: 'slow' })).toBe(true);
      expect((await claim(store, 10, 'r1', 50)).map((i) => i.key)).toEqual(['b']);
      const [again] = await claim(store, 1, 'r2', 60_000);
      expect(again).toMatchObject({ key: 'a', attempts: 1 });
      expect((await claim(store, 10, 'r3', 60_000, 'host:1:test', Date.now() + SECOND)).map((i) => i.key)).toEqual(['b']); // r1's lease on b expired
    });

    it('holds an item until what it waits for is completed', async () => {
      const store = await open();
      await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h')], invalid: [] });
      const [client] = await claim(store, 10, 'r1', 60_000);
      expect(await store.hold(client as never, { entity: 'spouse', key: 'a-C' }, { code: 'SPOUSE_WITHOUT_INTEGRATION_ID', message: 'x' }, Date.now())).toBe(
        true,
      );
      expect(await store.queueState({ entity: 'client', key: 'a' })).toBe('held');
      expect(await store.queueState({ entity: 'spouse', key: 'a-C' })).toBe('none');
      expect((await store.counts()).held).toBe(1);
      expect(await store.strandedHolds(10)).toEqual([
        expect.objectContaining({ key: 'a', waitingFor: { entity: 'spouse', key: 'a-C' }, tries: 0, dependency: 'absent' }),
      ]);
      await store.capture({ sourceId: 's', records: [staged('a-C', 'h', 'spouse')], invalid: [], force: true });
      expect(await store.strandedHolds(10)).toEqual([]); // the dependency is queued: nothing to fetch
      const [spouse] = await claim(store, 10, 'r1', 60_000);
      expect(spouse?.key).toBe('a-C');
      await complete(store, spouse as never, '5');
      const [released] = await claim(store, 10, 'r1', 60_000); // woken items are claimable again in the same run
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
      const [a, b] = await claim(store, 10, 'r1', 60_000);
      expect(await store.park(a as never, { code: 'DUPLICATE_CPF', message: 'dup' })).toBe(true);
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

    it("fences: an item reclaimed after its lease expired refuses the first claimer's completion, retry, hold and park", async () => {
      const store = await open();
      await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1'), staged('b', 'h1')], invalid: [] });
      const stale = await claim(store, 10, 'r1', 50);
      const fresh = await claim(store, 10, 'r2', 60_000, 'host:2:test', Date.now() + SECOND); // r1 paused past its lease
      expect(fresh.map((i) => i.key)).toEqual(['a', 'b']);
      expect(fresh[0]?.token).not.toBe(stale[0]?.token);
      const [a, b] = stale as [OutboxItem, OutboxItem];
      expect(await store.completeMany([[a, { crmId: 'old' }]])).toEqual([a]);
      expect(await store.retryLater(b, { code: 'TIMEOUT', message: 'x' })).toBe(false);
      expect(await store.hold(b, { entity: 'spouse', key: 'b-C' }, { code: 'SPOUSE_WITHOUT_INTEGRATION_ID', message: 'x' }, Date.now())).toBe(false);
      expect(await store.park(b, { code: 'CRM_REJECTED', message: 'x' })).toBe(false);
      expect(await store.integrationId({ entity: 'client', key: 'a' })).toBeUndefined();
      expect((await store.counts()).inflight).toBe(2);
      expect(await store.renewClaims('r1', 60_000, Date.now())).toBe(0);
      expect(await store.renewClaims('r2', 60_000, Date.now())).toBe(2);
      await complete(store, fresh[0], 'new');
      expect(await store.integrationId({ entity: 'client', key: 'a' })).toBe('new');
    });

    it("lists the owners of claims and puts a dead owner's claims back at once", async () => {
      const store = await open();
      await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1'), staged('b', 'h1')], invalid: [] });
      await claim(store, 1, 'r1', 600_000, 'host:111:x');
      await claim(store, 1, 'r2', 600_000, 'host:222:y');
      expect((await store.claimOwners()).sort()).toEqual(['host:111:x', 'host:222:y']);
      expect(await store.releaseOwner('host:111:x')).toBe(1);
      expect((await claim(store, 10, 'r3', 60_000)).map((i) => i.key)).toEqual(['a']);
    });

    it('resolves stranded holds: wakes, counts tries, parks with both keys', async () => {
      const store = await open();
      await store.capture({
        sourceId: 's',
        cursor: '1',
        records: [staged('c1', 'h', 'contract'), staged('c2', 'h', 'contract'), staged('x', 'h')],
        invalid: [],
      });
      const items = await claim(store, 10, 'r1', 60_000);
      const byKey = new Map(items.map((i) => [i.key, i]));
      await complete(store, byKey.get('x'), 'crm-x');
      const failure = { code: 'DEPENDENCY_MISSING' as const, message: 'buyer missing' };
      // c1's buyer completed before the hold was written (the race of two workers): stranded, dependency delivered.
      expect(await store.hold(byKey.get('c1') as OutboxItem, { entity: 'client', key: 'x' }, failure, 1_000)).toBe(true);
      expect(await store.hold(byKey.get('c2') as OutboxItem, { entity: 'client', key: 'y' }, failure, 2_000)).toBe(true);
      const stranded = await store.strandedHolds(10);
      expect(stranded.map((h) => [h.key, h.dependency, h.heldAt, h.tries])).toEqual([
        ['c1', 'delivered', 1_000, 0],
        ['c2', 'absent', 2_000, 0],
      ]);
      const [c1, c2] = stranded as unknown as [{ seq: number }, { seq: number }];
      await store.settleHolds({ wake: [c1.seq], tried: [c2.seq], park: [] });
      expect((await store.strandedHolds(10)).map((h) => [h.key, h.tries])).toEqual([['c2', 1]]);
      expect((await claim(store, 10, 'r1', 60_000)).map((i) => i.key)).toEqual(['c1']);
      await store.settleHolds({ wake: [], tried: [], park: [{ seq: c2.seq, failure: { code: 'DEPENDENCY_UNRESOLVED', message: 'y never arrives' } }] });
      expect(await store.listParked()).toEqual([
        expect.objectContaining({
          entity: 'contract',
          key: 'c2',
          code: 'DEPENDENCY_UNRESOLVED',
          waitingFor: { entity: 'client', key: 'y' },
          payload: { key: 'c2', hash: 'h' },
        }),
      ]);
      expect((await store.counts()).held).toBe(0);
    });

    it('refuses a capture fenced by a run lock its caller no longer holds', async () => {
      const store = await open();
      expect(await store.acquireRunLock('p1', 60_000)).toBe(true);
      await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1')], invalid: [], fence: 'p1' });
      await store.releaseRunLock('p1');
      expect(await store.acquireRunLock('p2', 60_000)).toBe(true);
      await expect(store.capture({ sourceId: 's', cursor: '2', records: [staged('a', 'h0')], invalid: [], fence: 'p1' })).rejects.toMatchObject({
        code: 'RUN_LOCK_LOST',
      });
      expect(await store.getCursor('s')).toBe('1');
      await store.releaseRunLock('p2');
    });

    it('takes over a live lock only when the caller says its holder is gone', async () => {
      const store = await open();
      expect(await store.acquireRunLock('host:1:dead', 60_000)).toBe(true);
      expect(await store.acquireRunLock('p2', 60_000, () => false)).toBe(false);
      const asked: string[] = [];
      expect(await store.acquireRunLock('p2', 60_000, (holder) => asked.push(holder) > 0)).toBe(true);
      expect(asked).toEqual(['host:1:dead']);
      expect(await store.renewRunLock('host:1:dead', 60_000)).toBe(false);
      await store.releaseRunLock('p2');
      await store.releaseRunLock('host:1:dead');
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

    it('remembers what the CRM last received per key, payload included, for a dry run', async () => {
      const store = await open();
      await store.capture({ sourceId: 's', cursor: '1', records: [staged('a', 'h1'), staged('b', 'h1', 'contract')], invalid: [] });
      expect(await store.lastDelivered([{ entity: 'client', key: 'a' }])).toEqual([]);
      const items = await claim(store, 10, 'r1', 60_000);
      for (const item of items) await complete(store, item, `crm-${item.key}`);
      await store.capture({ sourceId: 's', cursor: '2', records: [staged('a', 'h2')], invalid: [] });
      const found = await store.lastDelivered([
        { entity: 'client', key: 'a' },
        { entity: 'contract', key: 'b' },
        { entity: 'client', key: 'b' },
      ]);
      const byKey = Object.fromEntries(found.map((d) => [`${d.entity}:${d.key}`, d]));
      expect(Object.keys(byKey).sort()).toEqual(['client:a', 'contract:b']);
      // The queued newer version is not what the CRM received: the delivered one is.
      expect(byKey['client:a']).toMatchObject({ hash: 'h1', crmId: 'crm-a', payload: { key: 'a', hash: 'h1' } });
      expect(Date.parse(byKey['client:a']?.deliveredAt ?? '')).toBeGreaterThan(0);
      expect(await store.lastDelivered([])).toEqual([]);
    });

    it('tells who holds the run lock and since when, until it is released', async () => {
      const store = await open();
      expect(await store.runLockHolder()).toBeUndefined();
      const before = Date.now();
      expect(await store.acquireRunLock('host:1:p1', 60_000)).toBe(true);
      const held = await store.runLockHolder();
      expect(held?.owner).toBe('host:1:p1');
      const since = Date.parse(held?.since ?? '');
      expect(since).toBeGreaterThanOrEqual(before - 1);
      expect(Date.parse(held?.expiresAt ?? '')).toBeGreaterThan(since + 59_000);
      await new Promise((r) => setTimeout(r, 5));
      expect(await store.renewRunLock('host:1:p1', 60_000)).toBe(true);
      expect((await store.runLockHolder())?.since).toBe(held?.since); // a renewal keeps "since"
      expect(await store.acquireRunLock('host:2:p2', 60_000, () => true)).toBe(true);
      const taken = await store.runLockHolder();
      expect(taken?.owner).toBe('host:2:p2');
      expect(Date.parse(taken?.since ?? '')).toBeGreaterThan(since);
      await store.releaseRunLock('host:2:p2');
      await store.releaseRunLock('host:1:p1'); // this handle's own record of it; the row is p2's, already gone
      expect(await store.runLockHolder()).toBeUndefined();
    });

    it('keeps a run log', async () => {
      const store = await open();
      const counts = { sent: 0, unchanged: 0, failed: 0, skipped: 0, retrying: 0, held: 0 };
      const logged = (runId: string, trigger: string, startedAt: string, outcome: 'completed' | 'stopped'): LoggedRunSummary => ({
        runId,
        trigger,
        startedAt,
        endedAt: startedAt,
        durationMs: 0,
        outcome,
        coalesced: 0,
        queue: { pending: 0, held: 0, parked: 0 },
        byEntity: Object.fromEntries(ENTITIES.map((e) => [e, { ...counts, sent: 1 }])) as LoggedRunSummary['byEntity'],
        totals: { ...counts, sent: ENTITIES.length },
        skippedReasons: {},
        failures: [],
        warnings: { count: 0, byCode: {}, first: [] },
        removals: { count: 0, byAction: {}, first: [] },
      });
      const r1 = logged('r1', 'cron', '2026-01-01T00:00:00.000Z', 'completed');
      const r2 = logged('r2', 'online', '2026-01-01T00:01:00.000Z', 'stopped');
      await store.saveRun({ id: 'r1', trigger: 'cron', startedAt: r1.startedAt, endedAt: '2026-01-01T00:00:01.000Z', summary: r1 });
      await store.saveRun({ id: 'r2', trigger: 'online', startedAt: r2.startedAt, endedAt: '2026-01-01T00:01:01.000Z', summary: r2 });
      expect((await store.listRuns(5)).map((r) => [r.id, r.trigger, r.summary])).toEqual([
        ['r2', 'online', r2],
        ['r1', 'cron', r1],
      ]);
    });
  });
}
