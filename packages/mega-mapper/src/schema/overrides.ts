/**
 * The Mega schema at run time: the table and column names of `tables.ts` with the caller's
 * overrides applied (`new MegaSource({ schema })`), so a Mega whose names differ from the guesses is
 * read without forking the SDK. Every query names tables through `from()`: the real table, a
 * projection that gives renamed columns their canonical names back (so the loaders' SQL never
 * changes), or, for an optional table that is missing, an empty stand-in with the same columns.
 */
import { ConfigurationError } from '@mega-crm/core';
import { z } from 'zod';
import type { Dialect } from '../sql/driver.js';
import { COLUMN_SQL_TYPES, FEED_TABLE, qualify, type SchemaMapping, TABLES, type TableDef, type TableName } from './tables.js';

/** The canonical column names of one table. */
export type ColumnName<T extends TableName> = (typeof TABLES)[T]['columns'][number][0];

/** One table's overrides: its real name (same schema group) and real column names, by canonical name. */
export interface TableOverride<T extends TableName = TableName> {
  readonly name?: string;
  readonly columns?: { readonly [C in ColumnName<T>]?: string };
}

/** Overrides of the guessed Mega names, by canonical table name: `{ GLO_AGENTES_TELEFONE: { name: 'GLO_FONES', columns: { TEA_ST_TELEFONE: 'TEA_ST_FONE' } } }`. */
export type MegaSchemaOverrides = { readonly [T in TableName]?: TableOverride<T> };

/** The effective names, with the optional tables found missing by the source's probe. */
export interface MegaSchema {
  /** The real, schema-qualified table name (DDL, triggers, error messages). */
  table(name: TableName | 'MEGACRM_FEED'): string;
  /** The real name of a canonical column. */
  column(table: TableName, column: string): string;
  /** What a query puts after FROM (always followed by an alias where columns are referenced). */
  from(name: TableName | 'MEGACRM_FEED'): string;
  /** Tables read through an empty stand-in because they are missing (optional ones only). */
  readonly missing: ReadonlySet<TableName>;
  /** The same names with these optional tables missing. */
  withMissing(tables: Iterable<TableName>): MegaSchema;
}

/** True for a table the SDK can do without (marked `optional` in tables.ts). */
export function isOptionalTable(name: TableName): boolean {
  return (TABLES[name] as TableDef).optional !== undefined;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$#]{0,127}$/;
const identifier = z.string().regex(IDENTIFIER, 'must be a plain SQL identifier (letters, digits, _ $ #; starts with a letter or _)');

const OverridesSchema = z
  .object(
    Object.fromEntries(
      (Object.keys(TABLES) as TableName[]).map((table) => [
        table,
        z
          .object({
            name: identifier.optional(),
            columns: z
              .object(Object.fromEntries((TABLES[table] as TableDef).columns.map(([column]) => [column, identifier.optional()])))
              .strict()
              .optional(),
          })
          .strict()
          .optional(),
      ]),
    ),
  )
  .strict();

/** Validates overrides (strict: an unknown table or column is named with the valid ones) and resolves the names. */
export function resolveMegaSchema(schemas: SchemaMapping, overrides: MegaSchemaOverrides = {}, dialect: Dialect = 'sqlite'): MegaSchema {
  const parsed = OverridesSchema.safeParse(overrides);
  if (!parsed.success) throw invalidOverrides(parsed.error);
  return build(schemas, overrides, dialect, new Set());
}

function build(schemas: SchemaMapping, overrides: MegaSchemaOverrides, dialect: Dialect, missing: ReadonlySet<TableName>): MegaSchema {
  const override = (name: TableName): TableOverride | undefined => overrides[name] as TableOverride | undefined;
  const column = (table: TableName, name: string): string => (override(table)?.columns as Record<string, string | undefined> | undefined)?.[name] ?? name;
  const table = (name: TableName | 'MEGACRM_FEED'): string =>
    name === 'MEGACRM_FEED' ? qualify(FEED_TABLE, schemas) : qualify({ name: override(name)?.name ?? name, group: TABLES[name].group }, schemas);
  const from = (name: TableName | 'MEGACRM_FEED'): string => {
    if (name === 'MEGACRM_FEED') return table(name);
    const def = TABLES[name] as TableDef;
    if (missing.has(name)) {
      const columns = def.columns.map(([c, type]) => `CAST(NULL AS ${COLUMN_SQL_TYPES[dialect][type]}) AS ${c}`);
      return `(SELECT ${columns.join(', ')}${dialect === 'oracle' ? ' FROM DUAL' : ''} WHERE 1 = 0)`;
    }
    const renamed = Object.entries(override(name)?.columns ?? {}).filter(([canonical, real]) => real !== undefined && real !== canonical);
    if (renamed.length === 0) return table(name);
    // The real columns stay under their own names (x.*); the renamed ones are added under the canonical name.
    return `(SELECT x.*, ${renamed.map(([canonical, real]) => `x.${real} AS ${canonical}`).join(', ')} FROM ${table(name)} x)`;
  };
  return {
    table,
    column,
    from,
    missing,
    withMissing: (tables) => build(schemas, overrides, dialect, new Set([...missing, ...tables])),
  };
}

/** How to pass an override for a table (and a column), for fix texts. */
export function overrideHint(table: TableName, column?: string): string {
  return column ? `schema: { ${table}: { columns: { ${column}: '<its name in your Mega>' } } }` : `schema: { ${table}: { name: '<its name in your Mega>' } }`;
}

function invalidOverrides(error: z.ZodError): ConfigurationError {
  const problems = error.issues.map((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const [table] = path;
      const valid =
        path.length === 0 ? Object.keys(TABLES) : path.length === 1 ? ['name', 'columns'] : (TABLES[table as TableName] as TableDef).columns.map(([c]) => c);
      const where = path.length === 0 ? 'table' : path.length === 1 ? `option of ${table}` : `column of ${table}`;
      return `unknown ${where} ${issue.keys.join(', ')} (valid: ${valid.join(', ')})`;
    }
    return `${path.join('.') || 'schema'}: ${issue.message}`;
  });
  return new ConfigurationError(`Invalid Mega schema overrides: ${problems.join('; ')}.`, {
    code: 'CONFIG_INVALID',
    details: { problems },
    fix: {
      en: "Give schema as { <TABLE>: { name?: 'REAL_NAME', columns?: { <COLUMN>: 'REAL_NAME' } } }, with the SDK's table and column names as keys.",
      pt: "Informe schema como { <TABELA>: { name?: 'NOME_REAL', columns?: { <COLUNA>: 'NOME_REAL' } } }, com os nomes de tabela e coluna do SDK como chaves.",
    },
  });
}
