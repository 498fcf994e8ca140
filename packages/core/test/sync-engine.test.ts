import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlreadyRunningError, ConfigurationError, CrmFaultError, DependencyMissingError, SyncEngine, TransportError, ValidationError } from '../src/index.js';
import { SqliteStore } from '../src/sqlite.js';
import { ListSource, RecordingSink, record } from './fakes.js';

const fix = { en: 'fix', pt: 'corrija' };
let store: SqliteStore;
afterEach(async () => store?.close());

function setup(options: { batchSize?: number } = {}) {
  store = new SqliteStore({ path: ':memory:' });
  const source = new ListSource();
  const sink = new RecordingSink();
  const engine = new SyncEngine({ source, sink, store, retry: { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 2 }, ...options });
  return { source, sink, engine };
}

describe('SyncEngine', () => {
  it('delivers every captured record once and counts by entity', async () => {
    const { source, sink, engine } = setup({ batchSize: 7 });
    for (let i = 0; i < 50; i++) source.push(record(`k${i}`));
    const summary = await engine.run();
    expect(summary.outcome).toBe('completed');
    expect(summary.byEntity.client.sent).toBe(50);
    expect(new Set(sink.delivered.map((r) => r.key)).size).toBe(50);
    expect(sink.delivered).toHaveLength(50);
    expect(await store.integrationId({ entity: 'client', key: 'k3' })).toBe('crm-k3');
  });

  it('does not re-send an unchanged record and re-sends a changed one', async () => {
    const { source, sink, engine } = setup();
    source.push(record('a', { v: 1 }), record('b', { v: 1 }));
    await engine.run();
    source.push(record('a', { v: 1 }), record('b', { v: 2 }));
    const second = await engine.run();
    expect(second.byEntity.client).toMatchObject({ sent: 1, unchanged: 1 });
    expect(sink.delivered.map((r) => r.key)).toEqual(['a', 'b', 'b']);
  });

  it('counts an invalid record as failed while the others still go', async () => {
    const { source, sink, engine } = setup();
    const error = new ValidationError('client bad is invalid', [{ path: 'document', code: 'CPF_INVALID', message: 'x' }], {});
    source.push(record('a'), { kind: 'invalid', entity: 'client', key: 'bad', error }, record('b'));
    const summary = await engine.run();
    expect(summary.byEntity.client).toMatchObject({ sent: 2, failed: 1 });
    expect(summary.failures).toEqual([expect.objectContaining({ key: 'bad', code: 'VALIDATION_FAILED' })]);
    expect(sink.delivered.map((r) => r.key)).toEqual(['a', 'b']);
    expect((await store.listParked()).map((p) => p.key)).toEqual(['bad']);
  });

  it('retries retryable errors and parks permanent ones', async () => {
    const { source, sink, engine } = setup();
    sink.behaviour = (r, attempt) => {
      if (r.key === 'flaky' && attempt < 3) throw new TransportError('reset', { code: 'CONNECTION_FAILED', fix });
      if (r.key === 'down') throw new TransportError('reset', { code: 'CONNECTION_FAILED', fix });
      if (r.key === 'rejected') throw new CrmFaultError('no', { code: 'CRM_REJECTED', fix });
    };
    source.push(record('flaky'), record('down'), record('rejected'), record('ok'));
    const summary = await engine.run();
    expect(summary.byEntity.client).toMatchObject({ sent: 2, failed: 1, retrying: 1 });
    expect(sink.attempts.get('flaky')).toBe(3);
    expect(sink.attempts.get('down')).toBe(3); // 1 + 2 retries
    expect(sink.attempts.get('rejected')).toBe(1);
    expect((await store.counts()).pending).toBe(1); // 'down' waits for the next run
    sink.behaviour = () => {};
    const next = await engine.run();
    expect(next.byEntity.client.sent).toBe(1);
  });

  it('a configuration error stops the run after one call and leaves the rest queued', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    const sink = new RecordingSink();
    const engine = new SyncEngine({ source, sink, store, concurrency: 1 });
    sink.behaviour = () => {
      throw new ConfigurationError('IP not allowed', { code: 'IP_NOT_ALLOWED', fix });
    };
    for (let i = 0; i < 20; i++) source.push(record(`k${i}`));
    const summary = await engine.run();
    expect(summary.outcome).toBe('stopped');
    expect(summary.stoppedBy?.code).toBe('IP_NOT_ALLOWED');
    expect([...sink.attempts.values()].reduce((a, b) => a + b, 0)).toBe(1);
    expect((await store.counts()).pending).toBe(20);
  });

  it('folds triggers that arrive during a run into one follow-up run, or refuses them on request (resolved, typed)', async () => {
    const { source, sink, engine } = setup();
    source.push(record('a'));
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const original = sink.deliver.bind(sink);
    sink.deliver = async (r) => {
      await gate;
      return original(r);
    };
    const first = engine.run({ trigger: 'first' });
    const second = engine.run({ trigger: 'second' });
    const third = engine.run({ trigger: 'third' });
    const refused = await engine.run({ ifRunning: 'reject' });
    expect(refused).toMatchObject({ outcome: 'stopped', error: { code: 'ALREADY_RUNNING' }, stoppedBy: { code: 'ALREADY_RUNNING' } });
    expect(refused.error).toBeInstanceOf(AlreadyRunningError);
    expect(second).toBe(third);
    release();
    expect((await first).byEntity.client.sent).toBe(1);
    const followUp = await second;
    expect(followUp).toMatchObject({ trigger: 'second', coalesced: 2 });
    expect(followUp.runId).not.toBe((await first).runId);
    expect(engine.running).toBe(false);
  });

  it('two engines on one store file (two processes): one runs, the other is told "already running"', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'engine-')), 'store.db');
    const stores = [new SqliteStore({ path }), new SqliteStore({ path })];
    const source = new ListSource();
    source.push(record('a'));
    const slow = new RecordingSink();
    slow.behaviour = () => {};
    const original = slow.deliver.bind(slow);
    slow.deliver = async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return original(r);
    };
    const [one, two] = stores.map((st) => new SyncEngine({ source, sink: slow, store: st }));
    const results = await Promise.all([one?.run(), two?.run()]);
    expect(results.map((r) => r?.outcome).sort()).toEqual(['completed', 'stopped']);
    const refused = results.find((r) => r?.outcome === 'stopped');
    expect(refused?.error).toMatchObject({ code: 'ALREADY_RUNNING' });
    expect(refused?.error?.message).toMatch(/already in progress/);
    for (const st of stores) await st.close();
  });

  it('a long capture from a synchronous driver leaves the event loop free between pages (lock heartbeat, sockets)', async () => {
    const { source, engine } = setup({ batchSize: 10 });
    for (let i = 0; i < 200; i++) source.push(record(`k${i}`));
    // Like better-sqlite3: each page costs ~25 ms of blocking work and resolves without a macrotask.
    const read = source.read.bind(source);
    source.read = async (cursor, options) => {
      const until = performance.now() + 25;
      while (performance.now() < until);
      return read(cursor, options);
    };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const summary = await engine.run();
    clearInterval(timer);
    expect(summary.totals.sent).toBe(200);
    // 20 pages × 25 ms: a timer starved by the capture would tick once or twice, not once a page.
    expect(ticks).toBeGreaterThanOrEqual(15);
  });

  it('with a synchronous driver, a page read, its write and the claim that made room each get their own turn of the event loop (no long stall for the calls in flight)', async () => {
    const { source, sink, engine } = setup({ batchSize: 10 });
    for (let i = 0; i < 120; i++) source.push(record(`k${i}`));
    const deliver = sink.deliver.bind(sink);
    sink.deliver = async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return deliver(r);
    };
    // Each blocking step marks itself and asks for a macrotask: a step that follows in the same turn comes before that mark.
    const steps: string[] = [];
    const step = (name: string) => {
      steps.push(name);
      setImmediate(() => steps.push('turn'));
    };
    const read = source.read.bind(source);
    source.read = async (cursor, options) => {
      step('read');
      return read(cursor, options);
    };
    const capture = store.capture.bind(store);
    store.capture = async (input) => {
      step('write');
      return capture(input);
    };
    const claim = store.claim.bind(store);
    store.claim = async (request) => {
      step('claim');
      return claim(request);
    };
    expect((await engine.run()).totals.sent).toBe(120);
    const sameTurn = steps.flatMap((name, i) => {
      const previous = steps[i - 1];
      return (name === 'write' && previous === 'read') || (name === 'read' && i > 1 && (previous === 'claim' || previous === 'write'))
        ? [`${previous} → ${name}`]
        : [];
    });
    expect(steps.filter((s) => s === 'read').length).toBeGreaterThanOrEqual(12);
    expect(sameTurn).toEqual([]);
  });

  it('capture stays a few batches ahead of delivery, so a backfill starts sending at once and memory stays flat', async () => {
    const { source, sink } = setup();
    for (let i = 0; i < 400; i++) source.push(record(`k${i}`));
    const deliver = sink.deliver.bind(sink);
    sink.deliver = async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return deliver(r);
    };
    let captured = 0;
    let delivered = 0;
    let maxAhead = 0;
    const engine = new SyncEngine({
      source,
      sink,
      store,
      batchSize: 10,
      concurrency: 4,
      onProgress: (p) => {
        if (p.phase === 'capture') captured = p.processed;
        else delivered = p.processed;
        maxAhead = Math.max(maxAhead, captured - delivered);
      },
    });
    const summary = await engine.run();
    expect(summary.totals.sent).toBe(400);
    expect(sink.delivered).toHaveLength(400);
    // High water is 4 batches (40) past what delivery has claimed (≤ two batches of 10: the one in flight
    // and the next, claimed before the pool drains), plus the batch being committed.
    expect(maxAhead).toBeLessThanOrEqual(70);
  });

  it('a client refused for its missing spouse is held, its spouse fetched from Mega and sent, then the client, in one run', async () => {
    const { source, sink, engine } = setup();
    const spouse = record('a-C', { name: 'Ângela' }, 'spouse');
    source.loadable.set('spouse:a-C', spouse);
    source.push(record('a', { spouseKey: 'a-C' }));
    const inCrm = new Set<string>();
    sink.behaviour = (r) => {
      if (r.entity === 'client' && !inCrm.has('a-C'))
        throw new DependencyMissingError('CONJUGE SEM ID INTEGRACAO', { code: 'SPOUSE_WITHOUT_INTEGRATION_ID', fix });
      inCrm.add(r.key);
    };
    const summary = await engine.run();
    expect(sink.delivered.map((r) => `${r.entity}:${r.key}`)).toEqual(['spouse:a-C', 'client:a']);
    expect(summary.byEntity.client).toMatchObject({ held: 1, sent: 1 });
    expect(summary.byEntity.spouse.sent).toBe(1);
    expect(summary.queue).toEqual({ pending: 0, held: 0, parked: 0 });
  });

  it('a held record whose dependency cannot be sent stays held (not failed) and says so', async () => {
    const { source, sink, engine } = setup();
    source.push(record('c1', { buyers: [] }, 'contract'));
    sink.behaviour = () => {
      throw new DependencyMissingError('CLIENTE NAO ENCONTRADO: x', { code: 'DEPENDENCY_MISSING', details: { missingKey: 'x' }, fix });
    };
    const summary = await engine.run();
    expect(summary.byEntity.contract).toMatchObject({ held: 1, failed: 0 });
    expect(summary.queue.held).toBe(1);
    expect(await store.queueState({ entity: 'contract', key: 'c1' })).toBe('held');
  });

  it('retryParked queues parked records again (refused ones as they were, invalid ones read again)', async () => {
    const { source, sink, engine } = setup();
    const invalid = new ValidationError('bad', [{ path: 'document', code: 'CPF_INVALID', message: 'x' }], {});
    source.push(record('dup'), { kind: 'invalid', entity: 'client', key: 'bad', error: invalid });
    sink.behaviour = (r) => {
      if (r.key === 'dup') throw new CrmFaultError('dup', { code: 'DUPLICATE_CPF', fix });
    };
    await engine.run();
    expect((await store.listParked()).map((p) => p.key).sort()).toEqual(['bad', 'dup']);
    sink.behaviour = () => {};
    source.loadable.set('client:bad', record('bad', { fixed: true }));
    expect(await engine.retryParked({ key: 'dup' })).toBe(1);
    expect(await engine.retryParked()).toBe(1);
    const summary = await engine.run();
    expect(summary.byEntity.client.sent).toBe(2);
    expect(await store.listParked()).toEqual([]);
  });

  it('resync queues records even when unchanged; deliver() needs a multi-worker store', async () => {
    const { source, sink, engine } = setup();
    source.push(record('a', { v: 1 }));
    await engine.run();
    source.loadable.set('client:a', record('a', { v: 1 }));
    expect(await engine.resync({ entity: 'client', keys: ['a'] })).toBe(1);
    await engine.run();
    expect(sink.delivered.map((r) => r.key)).toEqual(['a', 'a']);
    expect(await engine.deliver()).toMatchObject({ outcome: 'stopped', error: { code: 'CONFIG_INVALID' } });
  });

  it('rejects unknown options with the allowed list', () => {
    store = new SqliteStore({ path: ':memory:' });
    const create = () => new SyncEngine({ source: new ListSource(), sink: new RecordingSink(), store, concurency: 3 } as never);
    expect(create).toThrow(/concurency/);
    expect(create).toThrow(/batchSize, concurrency/);
  });
});
