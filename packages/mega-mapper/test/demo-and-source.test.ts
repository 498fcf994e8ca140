import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CapturedItem, isValidCnpj, isValidCpf } from '@mega-crm/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MegaClientSource } from '../src/client-source.js';
import { createDemoMegaDatabase } from '../src/demo/generate.js';
import { sqliteDriver } from '../src/sql/driver.js';

const dbs: Database.Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function demo(clients: number, seed = 7) {
  const path = join(mkdtempSync(join(tmpdir(), 'mega-')), 'mega.db');
  const stats = createDemoMegaDatabase(path, { clients, seed });
  const db = new Database(path);
  dbs.push(db);
  return { path, stats, db, source: new MegaClientSource(sqliteDriver(db)) };
}

async function readAll(source: MegaClientSource, cursor: string | null, limit = 100): Promise<{ items: CapturedItem[]; cursor: string | null }> {
  const items: CapturedItem[] = [];
  for (;;) {
    const batch = await source.read(cursor, { limit });
    items.push(...batch.items);
    cursor = batch.cursor;
    if (!batch.hasMore) return { items, cursor };
  }
}

describe('demo Mega database', () => {
  it('is deterministic for a seed and holds valid, unique documents, accents and spouses', () => {
    const a = demo(400, 3);
    const b = demo(400, 3);
    const dump = (db: Database.Database) => db.prepare('SELECT * FROM GLO_AGENTES ORDER BY AGN_IN_CODIGO').all();
    expect(dump(a.db)).toEqual(dump(b.db));
    const cpfs = a.db.prepare('SELECT AGN_ST_CPF AS d FROM GLO_PESSOA_FISICA WHERE AGN_ST_CPF IS NOT NULL').all() as { d: string }[];
    const cnpjs = a.db.prepare("SELECT AGN_ST_CGC AS d FROM GLO_AGENTES WHERE AGN_CH_TIPOPESSOAFJ = 'J'").all() as { d: string }[];
    expect(cpfs.every((r) => isValidCpf(r.d))).toBe(true);
    expect(cnpjs.every((r) => isValidCnpj(r.d))).toBe(true);
    expect(new Set([...cpfs, ...cnpjs].map((r) => r.d)).size).toBe(cpfs.length + cnpjs.length);
    const spouses = a.db.prepare("SELECT COUNT(*) AS n FROM GLO_PESSOA_FISICA WHERE AGN_CH_TIPO = 'C'").get() as { n: number };
    expect(spouses.n).toBe(a.stats.married);
    expect(a.stats.married).toBeGreaterThan(50);
    expect(a.stats.spousesWithCpf).toBeLessThan(a.stats.married);
    const accented = a.db.prepare("SELECT COUNT(*) AS n FROM GLO_AGENTES WHERE AGN_ST_NOME GLOB '*[ãâáçéêíóôõú]*'").get() as { n: number };
    expect(accented.n).toBeGreaterThan(100);
  });
});

describe('MegaClientSource', () => {
  it('first read is a full scan of client agents only, in key order, across pages', async () => {
    const { source, stats } = demo(250);
    const { items } = await readAll(source, null, 60);
    const keys = items.map((i) => (i.kind === 'record' ? i.record.key : i.key));
    expect(keys).toHaveLength(stats.clients);
    expect(new Set(keys).size).toBe(stats.clients);
    expect(items.every((i) => i.kind === 'record')).toBe(true);
  });

  it('then follows the feed: updates, spouse-row changes and deletes surface once each', async () => {
    const { source, db } = demo(50);
    const { cursor } = await readAll(source, null);
    expect((await readAll(source, cursor)).items).toHaveLength(0);

    db.prepare("UPDATE GLO_AGENTES SET AGN_ST_NOME = 'Inês Brandão' WHERE AGN_IN_CODIGO = 1003").run();
    db.prepare("UPDATE GLO_AGENTES SET AGN_ST_BAIRRO = 'Savassi' WHERE AGN_IN_CODIGO = 1003").run();
    db.prepare("UPDATE GLO_PESSOA_FISICA SET AGN_ST_RG = '1' WHERE AGN_IN_CODIGO = 1004 AND AGN_CH_TIPO = 'P'").run();
    db.prepare('DELETE FROM GLO_AGENTES_ID WHERE AGN_IN_CODIGO = 1005').run();
    db.prepare("UPDATE GLO_AGENTES SET AGN_ST_NOME = 'Outro' WHERE AGN_IN_CODIGO = 1050").run(); // a supplier: not a client
    const { items, cursor: after } = await readAll(source, cursor, 2);
    const seen = items.map((i) => [i.kind, i.kind === 'record' ? i.record.key : i.key]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['record', '1-1-1003'],
        ['record', '1-1-1004'],
        ['skipped', '1-1-1005'],
        ['skipped', '1-1-1050'],
      ]),
    );
    const renamed = items.find((i) => i.kind === 'record' && i.record.key === '1-1-1003');
    expect(renamed?.kind === 'record' && (renamed.record.payload as { name: string; address: { district: string } })).toMatchObject({
      name: 'Inês Brandão',
      address: { district: 'Savassi' },
    });
    expect((await readAll(source, after)).items).toHaveLength(0);
  });

  it('a change made during the full scan is read again afterwards, never missed', async () => {
    const { source, db } = demo(100);
    const first = await source.read(null, { limit: 10 }); // scan has started; key 1-1-1000 already read
    db.prepare("UPDATE GLO_AGENTES SET AGN_ST_NOME = 'Cecília Leão' WHERE AGN_IN_CODIGO = 1000").run();
    const rest = await readAll(source, first.cursor, 10);
    const reread = rest.items.filter((i) => i.kind === 'record' && i.record.key === '1-1-1000');
    expect(reread).toHaveLength(1);
    expect(reread[0]?.kind === 'record' && (reread[0].record.payload as { name: string }).name).toBe('Cecília Leão');
  });

  it('an invalid CPF becomes an invalid item with a typed error', async () => {
    const { source, db } = demo(20);
    db.prepare(
      "UPDATE GLO_PESSOA_FISICA SET AGN_ST_CPF = '12345678900' WHERE AGN_CH_TIPO = 'P' AND AGN_IN_CODIGO = (SELECT MIN(AGN_IN_CODIGO) FROM GLO_PESSOA_FISICA)",
    ).run();
    const { items } = await readAll(source, null);
    const invalid = items.filter((i) => i.kind === 'invalid');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]?.kind === 'invalid' && invalid[0].error.code).toBe('VALIDATION_FAILED');
  });
});
