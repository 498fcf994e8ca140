/**
 * Fencing (issue #10, defect 3): a worker checks it still owns its claim and the run lock before each
 * CRM call, renews its claims while it works, and when a write of its may have landed after another
 * worker's newer one (its completion is refused), it queues Mega's latest version again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SyncEngine, type SyncRecord } from '../src/index.js';
import { SqliteStore } from '../src/sqlite.js';
import { ListSource, RecordingSink, record } from './fakes.js';

let store: SqliteStore;
afterEach(async () => store?.close());

describe('fencing', () => {
  it('a run paused past its lease makes no further CRM call once another process took over: RUN_LOCK_LOST, the rest stays queued', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    for (let i = 0; i < 6; i++) source.push(record(`k${i}`));
    let now = Date.now();
    const sink = new RecordingSink();
    sink.behaviour = () => {
      if (sink.delivered.length !== 1) return;
      // The process is frozen during the second call; meanwhile another one takes the lock and recovers the claims.
      now += 10 * 60_000;
      void store.acquireRunLock('elsewhere:1:other', 60_000, () => true).then(() => store.recoverInFlight());
    };
    const engine = new SyncEngine({ source, sink, store, concurrency: 1, clock: { now: () => now } });
    const summary = await engine.run();
    expect(sink.delivered.map((r) => r.key)).toEqual(['k0', 'k1']);
    expect(summary).toMatchObject({ outcome: 'stopped', error: { code: 'RUN_LOCK_LOST' } });
    // k0 and k1 reached the CRM, but their completions (buffered) were refused: they are sent again, the same version, and counted.
    expect(await store.counts()).toMatchObject({ pending: 6, inflight: 0 });
    await store.releaseRunLock('elsewhere:1:other');
    now = Date.now();
    expect((await engine.run()).outcome).toBe('completed');
    expect(sink.delivered.map((r) => r.key)).toEqual(['k0', 'k1', 'k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
  });

  it('a run paused past its lease that nobody took over makes no call until the store confirms the lock, then goes on', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    for (let i = 0; i < 6; i++) source.push(record(`k${i}`));
    let now = Date.now();
    const sink = new RecordingSink();
    sink.behaviour = () => {
      if (sink.delivered.length === 1) now += 10 * 60_000;
    };
    const claims: number[] = [];
    const claim = store.claim.bind(store);
    store.claim = async (request) => {
      const items = await claim(request);
      claims.push(items.length);
      return items;
    };
    const summary = await new SyncEngine({ source, sink, store, concurrency: 1, clock: { now: () => now } }).run();
    expect(summary.outcome).toBe('completed');
    expect(sink.delivered.map((r) => r.key)).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    // The rest of the first batch was claimed again under a new lease, not sent on the old one (a claim
    // made before capture committed its first page finds nothing, and does not count).
    expect(claims.filter((n) => n > 0).slice(0, 2)).toEqual([6, 4]);
  });

  it("a late write from a fenced-out run is repaired: Mega's latest version is queued again and sent", async () => {
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    source.push(record('k', { v: 2 }));
    const crm = new Map<string, unknown>();
    let release: () => void = () => {};
    const paused = new Promise<void>((r) => {
      release = r;
    });
    let reached: () => void = () => {};
    const atCall = new Promise<void>((r) => {
      reached = r;
    });
    const sink = new RecordingSink();
    const deliver = sink.deliver.bind(sink);
    sink.deliver = async (r: SyncRecord) => {
      if ((r.payload as { v: number }).v === 2) {
        reached();
        await paused; // frozen between the ownership check and the write
      }
      crm.set(r.key, r.payload);
      return deliver(r);
    };
    const engine = new SyncEngine({ source, sink, store, concurrency: 1 });
    const run = engine.run();
    await atCall;
    // Meanwhile another process recovered the claim and delivered Mega's newer version (v3).
    await store.recoverInFlight();
    source.loadable.set('client:k', record('k', { v: 3 }));
    await store.capture({ sourceId: source.id, records: [{ entity: 'client', key: 'k', hash: 'h3', payload: { v: 3 } }], invalid: [] });
    const [other] = await store.claim({ limit: 1, runId: 'other', leaseMs: 60_000, owner: 'other:1:x', now: Date.now() });
    crm.set('k', other?.payload);
    expect(await store.completeMany([[other as never, { crmId: 'crm-k' }]])).toEqual([]);
    await store.releaseClaims('other');
    release(); // the frozen write lands now, over v3
    const summary = await run;
    expect(summary.outcome).toBe('completed');
    expect(crm.get('k')).toEqual({ v: 3 });
    expect(sink.delivered.map((r) => (r.payload as { v: number }).v)).toEqual([2, 3]);
    expect(await store.counts()).toMatchObject({ pending: 0, inflight: 0 });
  });

  it('claims are renewed while a slow batch is delivered: one claim, no item left to another worker', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    for (let i = 0; i < 5; i++) source.push(record(`k${i}`));
    const sink = new RecordingSink();
    const deliver = sink.deliver.bind(sink);
    sink.deliver = async (r: SyncRecord) => {
      await new Promise((resolve) => setTimeout(resolve, 120));
      return deliver(r);
    };
    const claimed: number[] = [];
    const claim = store.claim.bind(store);
    store.claim = async (request) => {
      const items = await claim(request);
      claimed.push(items.length);
      return items;
    };
    const engine = new SyncEngine({ source, sink, store, concurrency: 1, claimLeaseMs: 300, lockTtlMs: 300 });
    const summary = await engine.run();
    expect(summary.outcome).toBe('completed');
    expect(claimed.filter((n) => n > 0)).toEqual([5]);
    expect(sink.delivered).toHaveLength(5);
  });
});

describe('dead owners', () => {
  it('a lock or claim owner is known dead at once only when it is a gone process of this host', async () => {
    const { spawnSync } = await import('node:child_process');
    const { hostname } = await import('node:os');
    const { isDeadOnThisHost, ownerId } = await import('../src/engine/owner.js');
    const child = spawnSync(process.execPath, ['-e', '0']);
    expect(child.status).toBe(0);
    expect(isDeadOnThisHost(`${hostname()}:${child.pid}:abc`)).toBe(true);
    expect(isDeadOnThisHost(ownerId())).toBe(false); // this process
    expect(isDeadOnThisHost(`${hostname()}:${process.ppid}:abc`)).toBe(false); // alive
    expect(isDeadOnThisHost(`elsewhere:${child.pid}:abc`)).toBe(false); // another host: trust its lease
    expect(ownerId('worker-1')).toMatch(new RegExp(`^${hostname()}:${process.pid}:[0-9a-f]{8}:worker-1$`));
  });

  it('a run takes over the lock of a dead process of this host at once, and its claims', async () => {
    const { spawnSync } = await import('node:child_process');
    const { hostname } = await import('node:os');
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    source.push(record('a'));
    const dead = `${hostname()}:${spawnSync(process.execPath, ['-e', '0']).pid}:gone`;
    expect(await store.acquireRunLock(dead, 300_000)).toBe(true);
    const sink = new RecordingSink();
    const summary = await new SyncEngine({ source, sink, store }).run();
    expect(summary.outcome).toBe('completed');
    expect(sink.delivered.map((r) => r.key)).toEqual(['a']);
    await store.releaseRunLock(dead); // only this handle's bookkeeping: the lock is no longer the dead owner's
  });
});
