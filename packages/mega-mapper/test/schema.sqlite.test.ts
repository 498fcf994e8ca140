import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createDemoMegaDatabase } from '../src/demo/generate.js';
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
    expect(e.message).toMatch(/unknown table GLO_AGENTE \(valid: GLO_AGENTES, GLO_AGENTES_ID, .*DBM_OCORRENCIACONTRATO\)/);
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
