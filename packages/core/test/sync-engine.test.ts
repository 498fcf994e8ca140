import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, CrmFaultError, SqliteStore, SyncEngine, TransportError, ValidationError } from '../src/index.js';
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
    expect(await store.pendingCount()).toBe(1); // 'down' waits for the next run
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
    expect(await store.pendingCount()).toBe(20);
  });

  it('refuses a second run while one is in progress', async () => {
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
    const first = engine.run();
    await expect(engine.run()).rejects.toMatchObject({ code: 'ALREADY_RUNNING' });
    release();
    expect((await first).byEntity.client.sent).toBe(1);
  });

  it('rejects unknown options with the allowed list', () => {
    store = new SqliteStore({ path: ':memory:' });
    const create = () => new SyncEngine({ source: new ListSource(), sink: new RecordingSink(), store, concurency: 3 } as never);
    expect(create).toThrow(/concurency/);
    expect(create).toThrow(/batchSize, concurrency/);
  });
});
