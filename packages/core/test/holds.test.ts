/**
 * Holds cannot be stranded (issue #10, defects 1 and 2): the hold is the durable fact that its
 * dependency must be fetched; every run resolves such fetches before claiming; a dependency that
 * cannot arrive parks the waiting record with both keys after a bounded number of tries or time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DependencyMissingError, SyncEngine, type SyncRecord } from '../src/index.js';
import { SqliteStore } from '../src/sqlite.js';
import { ListSource, RecordingSink, record } from './fakes.js';

const fix = { en: 'fix', pt: 'corrija' };
let store: SqliteStore;
afterEach(async () => store?.close());

/** A CRM that refuses a contract whose buyer it does not hold yet, like the real one. */
function crmWithDependencies(sink: RecordingSink): Set<string> {
  const inCrm = new Set<string>();
  sink.behaviour = (r: SyncRecord) => {
    const buyer = (r.payload as { buyer?: string }).buyer;
    if (r.entity === 'contract' && buyer && !inCrm.has(buyer))
      throw new DependencyMissingError(`CLIENTE NAO ENCONTRADO: ${buyer}`, { code: 'DEPENDENCY_MISSING', details: { missingKey: buyer }, fix });
    inCrm.add(r.key);
  };
  return inCrm;
}

function setup(options: { maxTries?: number; maxWaitMs?: number; now?: () => number } = {}) {
  store = new SqliteStore({ path: ':memory:' });
  const source = new ListSource();
  const sink = new RecordingSink();
  const holds = { ...(options.maxTries ? { maxTries: options.maxTries } : {}), ...(options.maxWaitMs ? { maxWaitMs: options.maxWaitMs } : {}) };
  const engine = new SyncEngine({
    source,
    sink,
    store,
    retry: { retries: 0 },
    holds,
    ...(options.now ? { clock: { now: options.now } } : {}),
  });
  return { source, sink, engine };
}

describe('holds are never stranded', () => {
  it('a transient Mega error while fetching the dependency neither fails the run nor strands the hold', async () => {
    const { source, sink, engine } = setup();
    crmWithDependencies(sink);
    source.push(record('c1', { buyer: 'x' }, 'contract'));
    source.loadable.set('client:x', record('x', { name: 'X' }));
    let failures = 1;
    const load = source.load.bind(source);
    source.load = async (entity, keys) => {
      if (failures-- > 0) throw new Error('ORA-03113: end-of-file on communication channel');
      return load(entity, keys);
    };
    const first = await engine.run();
    expect(first.outcome).toBe('completed');
    expect(first.error).toBeUndefined();
    expect(first.byEntity.contract.held).toBe(1);
    const second = await engine.run();
    expect(second.outcome).toBe('completed');
    expect(sink.delivered.map((r) => `${r.entity}:${r.key}`)).toEqual(['client:x', 'contract:c1']);
    expect(second.queue).toEqual({ pending: 0, held: 0, parked: 0 });
  });

  it('a hold committed by a process that died before fetching its dependency is resolved by the next run', async () => {
    const { source, sink, engine } = setup();
    crmWithDependencies(sink);
    source.loadable.set('client:x', record('x', { name: 'X' }));
    // What the dead process left: the contract captured, claimed and held; the buyer never queued.
    await store.capture({ sourceId: source.id, cursor: '0', records: [{ entity: 'contract', key: 'c1', hash: 'h1', payload: { buyer: 'x' } }], invalid: [] });
    const [claimed] = await store.claim({ limit: 10, runId: 'dead-run', leaseMs: 60_000, owner: 'elsewhere:1:dead', now: Date.now() });
    expect(claimed).toBeDefined();
    await store.hold(claimed as never, { entity: 'client', key: 'x' }, { code: 'DEPENDENCY_MISSING', message: 'buyer missing' }, Date.now());
    await store.releaseClaims('dead-run');
    const summary = await engine.run();
    expect(sink.delivered.map((r) => `${r.entity}:${r.key}`)).toEqual(['client:x', 'contract:c1']);
    expect(summary.queue).toEqual({ pending: 0, held: 0, parked: 0 });
  });

  it('a dependency that never arrives parks the waiting record with both keys after the bound of tries', async () => {
    const { source, sink, engine } = setup({ maxTries: 3 });
    crmWithDependencies(sink);
    // The buyer is an agent that is not a client in scope: Mega answers it as skipped.
    source.load = async (entity, keys) => keys.map((key) => ({ kind: 'skipped' as const, entity, key, reason: 'not a client' }));
    source.push(record('c1', { buyer: 'agent-9' }, 'contract'));
    const runs = [await engine.run(), await engine.run()];
    expect(runs.map((r) => r.queue.held)).toEqual([1, 1]);
    const third = await engine.run();
    expect(third.queue).toEqual({ pending: 0, held: 0, parked: 1 });
    expect(third.failures).toEqual([
      expect.objectContaining({ entity: 'contract', key: 'c1', code: 'DEPENDENCY_UNRESOLVED', waitingFor: { entity: 'client', key: 'agent-9' } }),
    ]);
    expect(third.byEntity.contract.failed).toBe(1);
    const parked = await store.listParked();
    expect(parked).toEqual([
      expect.objectContaining({ entity: 'contract', key: 'c1', code: 'DEPENDENCY_UNRESOLVED', waitingFor: { entity: 'client', key: 'agent-9' } }),
    ]);
    // Once the buyer is in scope, retryParked sends both.
    source.load = async (entity, keys) => keys.map((key) => record(key, { name: key }, entity));
    expect(await engine.retryParked({ code: 'DEPENDENCY_UNRESOLVED' })).toBe(1);
    const after = await engine.run();
    expect(after.queue).toEqual({ pending: 0, held: 0, parked: 0 });
    expect(sink.delivered.map((r) => `${r.entity}:${r.key}`)).toEqual(['client:agent-9', 'contract:c1']);
  });

  it('a hold older than the time bound is parked (injected clock, no sleeping)', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { source, sink, engine } = setup({ maxTries: 100, maxWaitMs: 60 * 60_000, now: () => now });
    crmWithDependencies(sink);
    source.load = async () => [];
    source.push(record('c1', { buyer: 'gone' }, 'contract'));
    expect((await engine.run()).queue.held).toBe(1);
    now += 30 * 60_000;
    expect((await engine.run()).queue.held).toBe(1);
    now += 31 * 60_000;
    const late = await engine.run();
    expect(late.queue).toMatchObject({ held: 0, parked: 1 });
    expect(late.failures[0]).toMatchObject({ key: 'c1', code: 'DEPENDENCY_UNRESOLVED', waitingFor: { entity: 'client', key: 'gone' } });
  });

  it('a dependency that is parked itself parks its waiters at once, naming it', async () => {
    const { source, sink, engine } = setup();
    const inCrm = crmWithDependencies(sink);
    const base = sink.behaviour;
    sink.behaviour = (r, attempt) => {
      if (r.key === 'x') throw new DependencyMissingError('DUPLICATE', { code: 'DUPLICATE_CPF', fix });
      base(r, attempt);
    };
    source.loadable.set('client:x', record('x', { name: 'X' }));
    source.push(record('c1', { buyer: 'x' }, 'contract'));
    const summary = await engine.run();
    expect(inCrm.has('c1')).toBe(false);
    expect(summary.queue).toEqual({ pending: 0, held: 0, parked: 2 });
    expect(await store.listParked({ code: 'DEPENDENCY_UNRESOLVED' })).toEqual([
      expect.objectContaining({ key: 'c1', waitingFor: { entity: 'client', key: 'x' }, message: expect.stringMatching(/DUPLICATE_CPF/) }),
    ]);
  });
});

describe('holds without a source that reads on demand', () => {
  it('are not fetched (the capturing instance does it) and are parked once the time bound passes', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    store = new SqliteStore({ path: ':memory:' });
    const list = new ListSource();
    list.push(record('c1', { buyer: 'x' }, 'contract'));
    const source = { id: list.id, read: list.read.bind(list) }; // no load()
    const sink = new RecordingSink();
    crmWithDependencies(sink);
    const engine = new SyncEngine({ source, sink, store, holds: { maxTries: 1, maxWaitMs: 60_000 }, clock: { now: () => now } });
    const first = await engine.run();
    expect(first).toMatchObject({ outcome: 'completed', queue: { held: 1, parked: 0 } }); // maxTries does not apply: nothing was looked for
    now += 61_000;
    const later = await engine.run();
    expect(later.queue).toMatchObject({ held: 0, parked: 1 });
    expect(later.failures).toEqual([expect.objectContaining({ key: 'c1', code: 'DEPENDENCY_UNRESOLVED', waitingFor: { entity: 'client', key: 'x' } })]);
  });
});
