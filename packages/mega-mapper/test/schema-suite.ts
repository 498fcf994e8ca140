/**
 * The runtime Mega schema, on every database here (SQLite, PostgreSQL): a Mega whose table and column
 * names differ from the SDK's is read with `schema` overrides (scan, feed, polling, scope); a missing
 * optional table degrades with one warning per run; a missing required table or column is a
 * non-retryable MEGA_SCHEMA_MISMATCH naming it and the override to pass.
 */
import { type CapturedItem, ConfigurationError, MegaCrmError, SyncEngine, type SyncRecord } from '@mega-crm/core';
import { SqliteStore } from '@mega-crm/core/sqlite';
import { describe, expect, it } from 'vitest';
import { feedDdl } from '../src/schema/feed.js';
import type { MegaSchemaOverrides } from '../src/schema/overrides.js';
import { type SchemaMapping, tableNames } from '../src/schema/tables.js';
import { MegaSource } from '../src/source.js';
import type { SqlDriver } from '../src/sql/driver.js';
import { readAll } from './source-suite.js';

export interface SchemaEnv {
  readonly sql: SqlDriver;
  readonly schemas: SchemaMapping;
  /** Runs one statement outside the SDK (renames, drops, updates). */
  exec(sql: string): Promise<void>;
}

const keyOf = (i: CapturedItem) => (i.kind === 'record' ? i.record.key : i.key);
const records = (items: readonly CapturedItem[]) =>
  items.flatMap((i) => (i.kind === 'record' ? [i.record] : [])).sort((a, b) => `${a.entity}${a.key}`.localeCompare(`${b.entity}${b.key}`));

async function mismatch(work: Promise<unknown>): Promise<MegaCrmError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(MegaCrmError.is(error), String(error)).toBe(true);
  const e = error as MegaCrmError;
  expect(e).toBeInstanceOf(ConfigurationError);
  expect(e.code).toBe('MEGA_SCHEMA_MISMATCH');
  expect(e.retryable).toBe(false);
  expect(e.stopsRun).toBe(true);
  return e;
}

/** A sink that accepts every record, and a store in memory: a whole run, as a host has it. */
async function syncOnce(source: MegaSource) {
  const store = new SqliteStore({ path: ':memory:' });
  const sent: SyncRecord[] = [];
  const engine = new SyncEngine({
    source,
    store,
    batchSize: 50,
    sink: {
      async deliver(record) {
        sent.push(record);
        return { crmId: record.key };
      },
    },
  });
  try {
    return { summary: await engine.run(), sent };
  } finally {
    await store.close();
  }
}

export function describeSchemaOverrides(name: string, fresh: () => Promise<SchemaEnv>): void {
  describe(`Mega schema overrides on ${name}`, () => {
    it('reads a Mega with a renamed table and renamed columns through the overrides: the same records, feed and polling included', async () => {
      const env = await fresh();
      const t = tableNames(env.schemas);
      const before = records((await readAll(new MegaSource({ sql: env.sql, schemas: env.schemas }), null, 200)).items);
      expect(before.some((r) => r.entity === 'client' && (r.payload as { phones?: unknown[] }).phones?.length)).toBe(true);

      // The phone table and two of its columns, a client column, and a contract change stamp have other names here.
      await env.exec(`ALTER TABLE ${t('GLO_AGENTES_TELEFONE')} RENAME TO GLO_FONES`);
      const fones = t('GLO_AGENTES_TELEFONE').replace('GLO_AGENTES_TELEFONE', 'GLO_FONES');
      await env.exec(`ALTER TABLE ${fones} RENAME COLUMN TEA_ST_TELEFONE TO TEA_ST_FONE`);
      await env.exec(`ALTER TABLE ${fones} RENAME COLUMN TEA_ST_DDD TO TEA_ST_AREA`);
      await env.exec(`ALTER TABLE ${fones} RENAME COLUMN AGN_IN_CODIGO TO AGN_IN_CODAGENTE`); // a key column, in the feed trigger too
      await env.exec(`ALTER TABLE ${t('GLO_AGENTES')} RENAME COLUMN AGN_ST_NOME TO AGN_ST_NOMECOMPLETO`);
      await env.exec(`ALTER TABLE ${t('CAR_CONTRATO')} RENAME COLUMN CTO_DT_ALTERACAO TO CTO_DT_ULTALT`);
      const schema: MegaSchemaOverrides = {
        GLO_AGENTES_TELEFONE: { name: 'GLO_FONES', columns: { TEA_ST_TELEFONE: 'TEA_ST_FONE', TEA_ST_DDD: 'TEA_ST_AREA', AGN_IN_CODIGO: 'AGN_IN_CODAGENTE' } },
        GLO_AGENTES: { columns: { AGN_ST_NOME: 'AGN_ST_NOMECOMPLETO' } },
        CAR_CONTRATO: { columns: { CTO_DT_ALTERACAO: 'CTO_DT_ULTALT' } },
      };

      // Without the overrides: the required column is named, with the override to pass.
      const e = await mismatch(readAll(new MegaSource({ sql: env.sql, schemas: env.schemas }), null, 200));
      expect(e.summary).toContain('AGN_ST_NOME');
      expect(e.summary).toContain('GLO_AGENTES');
      expect(e.fix.en).toContain("schema: { GLO_AGENTES: { columns: { AGN_ST_NOME: '<its name in your Mega>' } } }");
      expect(e.details).toMatchObject({ table: 'GLO_AGENTES', column: 'AGN_ST_NOME' });

      // With them: the same records, phones and names included.
      const source = new MegaSource({ sql: env.sql, schemas: env.schemas, schema });
      const scan = await readAll(source, null, 200);
      expect(records(scan.items)).toEqual(before);
      const client = before.find((r) => r.entity === 'client' && (r.payload as { phones?: unknown[] }).phones?.length) as SyncRecord;
      expect(await source.load('client', [client.key])).toMatchObject([{ kind: 'record', record: client }]);
      const contract = before.find((r) => r.entity === 'contract') as SyncRecord;
      expect(await source.reconcile('contract', [contract.key])).toEqual([]);

      // The feed installed with the overrides: triggers on the renamed table, with its real column names.
      if (env.sql.dialect === 'sqlite') for (const op of ['I', 'U', 'D']) await env.exec(`DROP TRIGGER MEGACRM_GLO_AGENTES_TELEFONE_${op}`);
      else await env.exec(`DROP TRIGGER MEGACRM_GLO_AGENTES_TELEFONE ON ${fones}`);
      for (const ddl of feedDdl(env.sql.dialect, env.schemas, { schema })) await env.exec(ddl);
      await env.exec(`UPDATE ${fones} SET TEA_ST_FONE = '988887777' WHERE AGN_IN_CODAGENTE = ${Number(client.key.split('-')[2])}`);
      const followed = await readAll(source, scan.cursor, 200);
      expect(followed.items.map(keyOf)).toContain(client.key);

      // Timestamp polling reads the renamed change stamp (head, then the rows after it).
      const polling = new MegaSource({ sql: env.sql, schemas: env.schemas, schema, changes: 'timestamps', poll: { lagSeconds: 0 }, entities: ['contract'] });
      const scanned = await readAll(polling, null, 200);
      await env.exec(`UPDATE ${t('CAR_CONTRATO')} SET CTO_DT_ULTALT = '2999-01-01 00:00:00' WHERE CTO_IN_CODIGO = ${Number(contract.key.split('-')[4])}`);
      const polled = await readAll(polling, scanned.cursor, 200);
      expect(polled.items.map(keyOf)).toContain(contract.key);
    });

    it('an optional table missing: the sync goes on, clients without phones, one warning per run', async () => {
      const env = await fresh();
      const t = tableNames(env.schemas);
      await env.exec(`DROP TABLE ${t('GLO_AGENTES_TELEFONE')}`);
      const source = new MegaSource({ sql: env.sql, schemas: env.schemas });
      const first = await source.read(null, { limit: 20 });
      expect(first.warnings).toEqual([
        expect.objectContaining({
          entity: 'client',
          code: 'MEGA_TABLE_MISSING',
          field: 'GLO_AGENTES_TELEFONE',
          message: expect.stringContaining('clients are sent without phones'),
        }),
      ]);
      const { summary, sent } = await syncOnce(new MegaSource({ sql: env.sql, schemas: env.schemas }));
      expect(summary.outcome).toBe('completed');
      expect(summary.warnings.byCode.MEGA_TABLE_MISSING).toBe(1); // once for the run, though many batches carried it
      expect(summary.warnings.first).toContainEqual({ entity: 'client', key: '*', code: 'MEGA_TABLE_MISSING', field: 'GLO_AGENTES_TELEFONE' });
      const clients = sent.filter((r) => r.entity === 'client');
      expect(clients.length).toBeGreaterThan(10);
      for (const c of clients) expect((c.payload as { phones?: unknown[] }).phones ?? []).toEqual([]);
      expect(sent.some((r) => r.entity === 'contract')).toBe(true);
    });

    it('a required table missing: a non-retryable MEGA_SCHEMA_MISMATCH naming it, and the run stops', async () => {
      const env = await fresh();
      const t = tableNames(env.schemas);
      await env.exec(`ALTER TABLE ${t('DBM_UNIDADE')} RENAME TO DBM_UNIDADES`);
      const e = await mismatch(new MegaSource({ sql: env.sql, schemas: env.schemas }).read(null, { limit: 20 }));
      expect(e.summary).toContain(t('DBM_UNIDADE'));
      expect(e.fix.en).toContain("schema: { DBM_UNIDADE: { name: '<its name in your Mega>' } }");
      const { summary } = await syncOnce(new MegaSource({ sql: env.sql, schemas: env.schemas }));
      expect(summary.outcome).toBe('stopped');
      expect(summary.stoppedBy?.code).toBe('MEGA_SCHEMA_MISMATCH');
      expect(summary.error?.retryable).toBe(false);
      // The override makes it read again.
      const ok = await readAll(new MegaSource({ sql: env.sql, schemas: env.schemas, schema: { DBM_UNIDADE: { name: 'DBM_UNIDADES' } } }), null, 200);
      expect(ok.items.some((i) => i.kind === 'record' && i.record.entity === 'contract')).toBe(true);
    });

    it('a required table missing in the key lookups too: load() and loadEnterprise() fail the same way', async () => {
      const env = await fresh();
      await env.exec(`DROP TABLE ${tableNames(env.schemas)('CAR_CONTRATO_ENVOLVIDO')}`);
      const source = new MegaSource({ sql: env.sql, schemas: env.schemas });
      expect((await mismatch(source.load('contract', ['1-1-1-O-1']))).details).toMatchObject({ table: 'CAR_CONTRATO_ENVOLVIDO' });
      expect((await mismatch(source.loadEnterprise('EMP1'))).details).toMatchObject({ table: 'CAR_CONTRATO_ENVOLVIDO' });
    });
  });
}
