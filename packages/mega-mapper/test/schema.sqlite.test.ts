import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createDemoMegaDatabase } from '../src/demo/generate.js';
import { missingObject } from '../src/schema/probe.js';
import { NO_SCHEMAS } from '../src/schema/tables.js';
import { MegaSource } from '../src/source.js';
import { sqliteDriver } from '../src/sql/sqlite.js';
import { describeSchemaOverrides } from './schema-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'mega-schema-'));
const open: Database.Database[] = [];
let n = 0;
afterAll(() => {
  for (const db of open) db.close();
});

describeSchemaOverrides('SQLite', async () => {
  const path = join(dir, `mega-${n++}.db`);
  await createDemoMegaDatabase(path, { clients: 80, seed: 5 });
  const db = new Database(path);
  open.push(db);
  return { sql: sqliteDriver(db), schemas: NO_SCHEMAS, exec: async (sql) => void db.exec(sql) };
});

describe('Mega schema overrides: validation at construction', () => {
  const sql = sqliteDriver(new Database(':memory:'));
  const error = (schema: unknown) => {
    try {
      new MegaSource({ sql, schema: schema as never });
    } catch (e) {
      return e as Error & { code: string };
    }
    throw new Error('accepted');
  };

  it('names an unknown table with the valid ones', () => {
    const e = error({ GLO_AGENTE: { name: 'X' } });
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toMatch(/unknown table GLO_AGENTE \(valid: GLO_AGENTES, GLO_AGENTES_ID, .*DBM_OCORRENCIACONTRATO, CMR_PROSPECT\)/);
  });

  it('names an unknown column with the valid ones of its table, and an unknown option', () => {
    expect(error({ GLO_AGENTES_TELEFONE: { columns: { TEA_ST_FONE: 'X' } } }).message).toContain(
      'unknown column of GLO_AGENTES_TELEFONE TEA_ST_FONE (valid: AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, TEA_IN_SEQUENCIA, TEA_ST_DDD, TEA_ST_TELEFONE)',
    );
    expect(error({ GLO_AGENTES: { nome: 'X' } }).message).toContain('unknown option of GLO_AGENTES nome (valid: name, columns)');
  });

  it('refuses a name that is not a plain identifier (no SQL through the overrides)', () => {
    expect(error({ GLO_AGENTES: { name: 'GLO_AGENTES; DROP TABLE X' } }).message).toContain('GLO_AGENTES.name: must be a plain SQL identifier');
    expect(error({ CAR_CONTRATO: { columns: { CTO_IN_CODIGO: '1abc' } } }).message).toContain('CAR_CONTRATO.columns.CTO_IN_CODIGO');
  });
});

describe('missing table or column, read from the errors of each dialect', () => {
  const pg = (code: string, message: string) => Object.assign(new Error(message), { code });
  it.each([
    ['sqlite', new Error('no such table: MGGLO.GLO_FONES'), { kind: 'table', name: 'GLO_FONES' }],
    ['sqlite', new Error('no such column: a.AGN_ST_NOME'), { kind: 'column', name: 'AGN_ST_NOME' }],
    ['postgres', pg('42P01', 'relation "mgglo_x.dbm_unidade" does not exist'), { kind: 'table', name: 'DBM_UNIDADE' }],
    ['postgres', pg('42501', 'permission denied for table dbm_unidade'), { kind: 'table', name: 'DBM_UNIDADE' }],
    ['postgres', pg('42703', 'column a.agn_st_nome does not exist'), { kind: 'column', name: 'AGN_ST_NOME' }],
    ['oracle', Object.assign(new Error('ORA-00942: table or view does not exist'), { errorNum: 942 }), { kind: 'table', name: undefined }],
    ['oracle', new Error('ORA-00904: "A"."AGN_ST_NOME": invalid identifier'), { kind: 'column', name: 'AGN_ST_NOME' }],
  ] as const)('%s: %s', (dialect, error, expected) => {
    expect(missingObject(error, dialect)).toEqual(expected);
  });
  it('anything else is not a schema problem (it stays SOURCE_FAILED, retried)', () => {
    expect(missingObject(pg('57P01', 'terminating connection due to administrator command'), 'postgres')).toBeUndefined();
    expect(missingObject(new Error('ORA-03113: end-of-file on communication channel'), 'oracle')).toBeUndefined();
    expect(missingObject(new Error('SQLITE_BUSY: database is locked'), 'sqlite')).toBeUndefined();
  });
});
