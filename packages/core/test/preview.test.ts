import { afterEach, describe, expect, it } from 'vitest';
import { SyncEngine } from '../src/index.js';
import { SqliteStore } from '../src/sqlite.js';
import { ListSource, RecordingSink, record } from './fakes.js';

let store: SqliteStore;
afterEach(async () => store?.close());

describe('SyncEngine.preview (sync --dry-run)', () => {
  it('lists new and changed records with their fields old → new, PII masked, and changes nothing', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    const sink = new RecordingSink();
    const engine = new SyncEngine({ source, sink, store });
    source.push(
      record('a', { nome: 'Ana', cpf: '52998224725', email: 'ana@example.com', fones: ['11987654321'] }),
      record('b', { nome: 'Bia' }),
      record('c', { nome: 'Caio' }),
    );
    await engine.run();
    const cursor = await store.getCursor(source.id);
    source.push(
      record('a', { nome: 'Ana Maria', cpf: '11144477735', email: 'ana.m@example.com', fones: ['11912345678'] }),
      record('b', { nome: 'Bia' }),
      record('d', { nome: 'Davi' }),
      { kind: 'skipped', entity: 'client', key: 'e', reason: 'not a client' },
    );

    const preview = await engine.preview();
    expect(preview.complete).toBe(true);
    expect(preview.read).toBe(4);
    expect(preview.byEntity.client).toEqual({ new: 1, changed: 1, unchanged: 1, invalid: 0, skipped: 1 });
    expect(preview.records.map((r) => [r.key, r.status])).toEqual([
      ['a', 'changed'],
      ['d', 'new'],
    ]);
    const changes = Object.fromEntries((preview.records[0]?.changes ?? []).map((c) => [c.field, [c.from, c.to]]));
    expect(Object.keys(changes).sort()).toEqual(['cpf', 'email', 'fones.0', 'nome']);
    expect(changes.nome).toEqual(['Ana', 'Ana Maria']);
    const shown = JSON.stringify(preview);
    for (const pii of ['52998224725', '11144477735', 'ana@example.com', 'ana.m@example.com', '11987654321', '11912345678']) expect(shown).not.toContain(pii);
    expect(changes.cpf?.[0]).toMatch(/\*/);

    // Nothing sent, queued or moved.
    expect(sink.delivered).toHaveLength(3);
    expect(await store.getCursor(source.id)).toBe(cursor);
    expect(await store.counts()).toEqual({ pending: 0, inflight: 0, held: 0, parked: 0 });
    expect((await store.lastDelivered([{ entity: 'client', key: 'a' }]))[0]?.payload).toMatchObject({ nome: 'Ana' });
    // The real run then sends exactly what the preview listed.
    await engine.run();
    expect(sink.delivered.slice(3).map((r) => r.key)).toEqual(['a', 'd']);
  });

  it('stops reading at maxRead and says the list is incomplete', async () => {
    store = new SqliteStore({ path: ':memory:' });
    const source = new ListSource();
    const engine = new SyncEngine({ source, sink: new RecordingSink(), store, batchSize: 10 });
    for (let i = 0; i < 50; i++) source.push(record(`k${i}`));
    const preview = await engine.preview({ maxRead: 25, limit: 5 });
    expect(preview.read).toBe(25);
    expect(preview.complete).toBe(false);
    expect(preview.byEntity.client.new).toBe(25);
    expect(preview.records).toHaveLength(5);
  });
});
