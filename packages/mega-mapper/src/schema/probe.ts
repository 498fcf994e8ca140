/**
 * Tells a Mega whose schema differs from the SDK's names apart from a Mega that is down: a missing
 * table or column is a configuration error (MEGA_SCHEMA_MISMATCH, not retried: an online schedule
 * would retry it forever) that names the object and the override to pass. Found by a cheap probe of
 * the tables a source reads (`SELECT 1 … WHERE 1 = 0`) and by each dialect's error codes.
 */
import { ConfigurationError, type RecordWarning } from '@mega-crm/core';
import type { Dialect, SqlDriver } from '../sql/driver.js';
import { type MegaSchema, overrideHint } from './overrides.js';
import { TABLES, type TableDef, type TableName } from './tables.js';

export interface MissingObject {
  readonly kind: 'table' | 'column';
  /** Upper-cased, without schema or alias; unknown where the dialect's message has none (Oracle ORA-00942). */
  readonly name?: string | undefined;
}

/** Reads a driver error as "no such table" / "no such column" (SQLite, PostgreSQL 42P01/42703/42501, Oracle ORA-00942/ORA-00904). */
export function missingObject(error: unknown, dialect: Dialect): MissingObject | undefined {
  const e = error as { code?: unknown; errorNum?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : '';
  const last = (name: string | undefined) => name?.replace(/"/g, '').split('.').pop()?.toUpperCase();
  if (dialect === 'sqlite') {
    const table = /no such table: ([\w.$#]+)/.exec(message);
    if (table) return { kind: 'table', name: last(table[1]) };
    const column = /no such column: ([\w.$#"]+)/.exec(message);
    if (column) return { kind: 'column', name: last(column[1]) };
  } else if (dialect === 'postgres') {
    if (e?.code === '42P01') return { kind: 'table', name: last(/relation "([^"]+)" does not exist/.exec(message)?.[1]) };
    // No SELECT on it: to this user the table is missing (Oracle says ORA-00942 for both).
    if (e?.code === '42501' && /permission denied for (table|relation|view) /.test(message))
      return { kind: 'table', name: last(/permission denied for (?:table|relation|view) "?([\w.$#]+)"?/.exec(message)?.[1]) };
    if (e?.code === '42703') return { kind: 'column', name: last(/column "?([\w.$#]+)"? does not exist/.exec(message)?.[1]) };
  } else {
    if (e?.errorNum === 942 || /ORA-00942\b/.test(message)) return { kind: 'table', name: undefined };
    if (e?.errorNum === 904 || /ORA-00904\b/.test(message)) return { kind: 'column', name: last(/ORA-00904: ([^:]+): invalid identifier/.exec(message)?.[1]) };
  }
  return undefined;
}

/** A required table or column the Mega does not have (or this user cannot read). */
export function schemaMismatch(schema: MegaSchema, table: TableName | 'MEGACRM_FEED', column?: string, cause?: unknown): ConfigurationError {
  if (table === 'MEGACRM_FEED') {
    return new ConfigurationError(`The change feed table ${schema.table(table)} does not exist in Mega (or this user cannot read it).`, {
      code: 'MEGA_SCHEMA_MISMATCH',
      cause,
      details: { table, name: schema.table(table) },
      fix: {
        en: "Have a DBA run the feed install script once (feedInstallScript(), or the file `mega-crm init` writes), or read changes by timestamps: new MegaSource({ changes: 'timestamps' }).",
        pt: "Peça a um DBA que rode uma vez o script do feed (feedInstallScript(), ou o arquivo gerado por `mega-crm init`), ou leia as mudanças por data: new MegaSource({ changes: 'timestamps' }).",
      },
    });
  }
  if (column !== undefined) {
    const real = schema.column(table, column);
    return new ConfigurationError(
      `Mega column ${real} of ${schema.table(table)} does not exist (the SDK reads it as ${table}.${column}), or this user cannot read it.`,
      {
        code: 'MEGA_SCHEMA_MISMATCH',
        cause,
        details: { table, column, name: `${schema.table(table)}.${real}` },
        fix: {
          en: `If the column has another name in your Mega, pass it to MegaSource: ${overrideHint(table, column)}.`,
          pt: `Se a coluna tem outro nome no seu Mega, informe-o ao MegaSource: ${overrideHint(table, column)}.`,
        },
      },
    );
  }
  return new ConfigurationError(`Mega table ${schema.table(table)} (the SDK's ${table}) does not exist, or this user cannot read it.`, {
    code: 'MEGA_SCHEMA_MISMATCH',
    cause,
    details: { table, name: schema.table(table) },
    fix: {
      en: `If the table has another name in your Mega, pass it to MegaSource: ${overrideHint(table)} (its schema comes from the schemas option); else grant SELECT on it to the integration user.`,
      pt: `Se a tabela tem outro nome no seu Mega, informe-o ao MegaSource: ${overrideHint(table)} (o schema vem da opção schemas); senão conceda SELECT nela ao usuário da integração.`,
    },
  });
}

/**
 * Probes the tables a source reads: returns the optional ones that are missing (read through empty
 * stand-ins from then on); a missing required one throws MEGA_SCHEMA_MISMATCH. Any other error (the
 * database is down) is thrown as it is, so it stays retryable.
 */
export async function probeTables(
  sql: SqlDriver,
  schema: MegaSchema,
  tables: ReadonlyArray<TableName | 'MEGACRM_FEED'>,
  optional: (table: TableName) => boolean,
): Promise<TableName[]> {
  const missing: TableName[] = [];
  for (const table of tables) {
    try {
      await sql.all(`SELECT 1 AS PROBE FROM ${schema.table(table)} WHERE 1 = 0`);
    } catch (error) {
      if (missingObject(error, sql.dialect)?.kind !== 'table') throw error;
      if (table === 'MEGACRM_FEED' || !optional(table)) throw schemaMismatch(schema, table, undefined, error);
      missing.push(table);
    }
  }
  return missing;
}

/** The warning a missing optional table leaves in the run summary. */
export function missingTableWarning(schema: MegaSchema, table: TableName): RecordWarning {
  return {
    code: 'MEGA_TABLE_MISSING',
    field: table,
    message: `optional Mega table ${schema.table(table)} is missing: ${(TABLES[table] as TableDef).optional}; if it has another name, pass ${overrideHint(table)}`,
  };
}

/**
 * The driver a source's queries go through: a "no such column" error becomes MEGA_SCHEMA_MISMATCH
 * naming the table and column, found by probing the columns of that name in the tables read.
 */
export function schemaCheckedDriver(sql: SqlDriver, schema: () => MegaSchema, tables: () => readonly TableName[]): SqlDriver {
  const explain = async (error: unknown): Promise<unknown> => {
    const missing = missingObject(error, sql.dialect);
    if (!missing) return error;
    const s = schema();
    if (missing.kind === 'table') {
      const table = tables().find((t) => !s.missing.has(t) && (s.table(t).split('.').pop() ?? '').toUpperCase() === missing.name);
      return table ? schemaMismatch(s, table, undefined, error) : error;
    }
    if (missing.name === undefined) return error;
    for (const table of tables()) {
      if (s.missing.has(table)) continue;
      for (const [column] of (TABLES[table] as TableDef).columns) {
        const real = s.column(table, column);
        if (real.toUpperCase() !== missing.name) continue;
        const found = await sql.all(`SELECT x.${real} FROM ${s.table(table)} x WHERE 1 = 0`).then(
          () => true,
          (probeError: unknown) => missingObject(probeError, sql.dialect) === undefined,
        );
        if (!found) return schemaMismatch(s, table, column, error);
      }
    }
    return error;
  };
  const guarded: SqlDriver = {
    dialect: sql.dialect,
    async all<T>(text: string, params?: readonly unknown[]): Promise<T[]> {
      try {
        return await sql.all<T>(text, params);
      } catch (error) {
        throw await explain(error);
      }
    },
    async exec(text: string, params?: readonly unknown[]): Promise<void> {
      try {
        await sql.exec(text, params);
      } catch (error) {
        throw await explain(error);
      }
    },
  };
  return sql.close ? { ...guarded, close: () => sql.close?.() ?? Promise.resolve() } : guarded;
}
