/**
 * The change feed: an outbox table (MEGACRM_FEED) that triggers on the Mega tables fill with one row
 * per affected entity, with a strictly increasing sequence. DDL for SQLite, PostgreSQL and Oracle.
 */
import type { EntityName } from '@mega-crm/core';
import type { Dialect } from '../sql/driver.js';
import { type MegaSchema, type MegaSchemaOverrides, resolveMegaSchema } from './overrides.js';
import type { SchemaMapping, TableName } from './tables.js';

export interface FeedDdlOptions {
  /** The real names where your Mega differs from the SDK's (the same overrides as `new MegaSource({ schema })`). */
  readonly schema?: MegaSchemaOverrides;
  /**
   * Oracle: the database's major version. Default 12 (identity column, 12c or later); `11` numbers the
   * feed with a sequence and a BEFORE INSERT trigger instead (Oracle 11g R2).
   */
  readonly oracleVersion?: number;
}

const AGENT = ['AGN_TAB_IN_CODIGO', 'AGN_PAD_IN_CODIGO', 'AGN_IN_CODIGO'];
const ORG = ['ORG_TAB_IN_CODIGO', 'ORG_PAD_IN_CODIGO', 'ORG_IN_CODIGO', 'ORG_TAU_ST_CODIGO'];

/**
 * Scope changes: an enterprise flagged (or unflagged) for the CRM, an occurrence type integrated (or
 * not) later. The source expands such a feed row into what it brings in or takes out of scope.
 */
export type ScopeEntity = 'enterprise' | 'occurrence-type';
export type FeedEntity = EntityName | ScopeEntity;

/** Which entities a change to each table affects, and the key columns (joined with '-'; spouses add '-C'). */
export const FEED_SOURCES: Partial<Record<TableName, ReadonlyArray<readonly [FeedEntity, readonly string[], suffix?: string]>>> = {
  GLO_AGENTES: [['client', AGENT]],
  GLO_AGENTES_ID: [
    ['client', AGENT],
    ['spouse', AGENT, '-C'],
  ],
  GLO_PESSOA_FISICA: [
    ['client', AGENT],
    ['spouse', AGENT, '-C'],
  ],
  GLO_AGENTES_TELEFONE: [['client', AGENT]],
  CAR_CONTRATO: [['contract', [...ORG, 'CTO_IN_CODIGO']]],
  // A new buyer may bring a client (and spouse) into scope.
  CAR_CONTRATO_CLIENTE: [
    ['contract', [...ORG, 'CTO_IN_CODIGO']],
    ['client', AGENT],
    ['spouse', AGENT, '-C'],
  ],
  CAR_CONTRATO_ENVOLVIDO: [['contract', [...ORG, 'CTO_IN_CODIGO']]],
  DBM_GERAOCORRENCIA: [['occurrence', [...ORG, 'OCO_IN_CODIGO']]],
  DBM_OCORRENCIACONTRATO: [['occurrence', [...ORG, 'OCO_IN_CODIGO']]],
  DBM_ESTRUTURA: [['enterprise', [...ORG, 'EST_IN_CODIGO']]],
  DBM_TIPOOCORRENCIA: [['occurrence-type', ['OCS_IN_MODULO', 'OCS_IN_CODIGO']]],
  CMR_PROSPECT: [['prospect', AGENT]],
};

/** Rows of these tables reach the feed only when the condition holds (structures: enterprises only). */
const FEED_CONDITIONS: Partial<Record<TableName, readonly [column: string, value: string]>> = {
  DBM_ESTRUTURA: ['EST_CH_TIPOESTRUTURA', 'E'],
};

/** Trigger SQL for one Mega table: its real column names, under the overrides. */
function triggerParts(schema: MegaSchema, table: TableName) {
  const condition = (row: string): string | undefined => {
    const c = FEED_CONDITIONS[table];
    return c ? `${row}.${schema.column(table, c[0])} = '${c[1]}'` : undefined;
  };
  return {
    condition,
    /** Wraps trigger statements in the table's condition, if it has one. */
    guarded(row: string, body: string, indent: string): string {
      const when = condition(row);
      return when ? `${indent}IF ${when} THEN\n${body}\n${indent}END IF;` : body;
    },
    keyExpr(row: string, columns: readonly string[], suffix = ''): string {
      const parts = columns.map((c) => `${row}.${schema.column(table, c)}`).join(" || '-' || ");
      return suffix ? `${parts} || '${suffix}'` : parts;
    },
  };
}

const INSERT_COLUMNS = '(FEED_ST_TABELA, FEED_ST_ENTIDADE, FEED_ST_CHAVE, FEED_CH_OPERACAO)';

/** CREATE statements for the feed table and its triggers, one statement per array element. */
export function feedDdl(dialect: Dialect, schemas: SchemaMapping, options: FeedDdlOptions = {}): string[] {
  const schema = resolveMegaSchema(schemas, options.schema, dialect);
  const t = schema.table;
  const feed = t('MEGACRM_FEED');
  const sources = Object.entries(FEED_SOURCES) as Array<[TableName, NonNullable<(typeof FEED_SOURCES)[TableName]>]>;
  if (dialect === 'sqlite') {
    return [
      `CREATE TABLE IF NOT EXISTS ${feed} (
  FEED_IN_SEQ INTEGER PRIMARY KEY AUTOINCREMENT,
  FEED_ST_TABELA TEXT NOT NULL,
  FEED_ST_ENTIDADE TEXT NOT NULL,
  FEED_ST_CHAVE TEXT NOT NULL,
  FEED_CH_OPERACAO TEXT NOT NULL,
  FEED_DT_ALTERACAO TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)`,
      ...sources.flatMap(([table, entities]) => {
        const { condition, keyExpr } = triggerParts(schema, table);
        return (
          [
            ['INSERT', 'I', 'NEW'],
            ['UPDATE', 'U', 'NEW'],
            ['DELETE', 'D', 'OLD'],
          ] as const
        ).map(
          ([event, op, row]) =>
            `CREATE TRIGGER IF NOT EXISTS MEGACRM_${table}_${op} AFTER ${event} ON ${t(table)}${condition(row) ? ` WHEN ${condition(row)}` : ''}
BEGIN
${entities.map(([entity, cols, suffix]) => `  INSERT INTO ${feed} ${INSERT_COLUMNS} VALUES ('${table}', '${entity}', ${keyExpr(row, cols, suffix)}, '${op}');`).join('\n')}
END`,
        );
      }),
    ];
  }
  if (dialect === 'postgres') {
    const fnSchema = schemas.MGCUSTOM ? `${schemas.MGCUSTOM}.` : '';
    return [
      `CREATE TABLE IF NOT EXISTS ${feed} (
  FEED_IN_SEQ BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  FEED_ID_XID XID8 NOT NULL DEFAULT pg_current_xact_id(),
  FEED_ST_TABELA VARCHAR(30) NOT NULL,
  FEED_ST_ENTIDADE VARCHAR(20) NOT NULL,
  FEED_ST_CHAVE VARCHAR(100) NOT NULL,
  FEED_CH_OPERACAO CHAR(1) NOT NULL,
  FEED_DT_ALTERACAO TIMESTAMP(3) NOT NULL DEFAULT clock_timestamp()
)`,
      `CREATE INDEX IF NOT EXISTS MEGACRM_FEED_XID ON ${feed} (FEED_ID_XID, FEED_IN_SEQ)`,
      ...sources.flatMap(([table, entities]) => {
        const { guarded, keyExpr } = triggerParts(schema, table);
        return [
          `CREATE OR REPLACE FUNCTION ${fnSchema}MEGACRM_FEED_${table}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE r RECORD; op CHAR(1);
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; op := 'D'; ELSIF TG_OP = 'UPDATE' THEN r := NEW; op := 'U'; ELSE r := NEW; op := 'I'; END IF;
${guarded('r', entities.map(([entity, cols, suffix]) => `  INSERT INTO ${feed} ${INSERT_COLUMNS} VALUES ('${table}', '${entity}', ${keyExpr('r', cols, suffix)}, op);`).join('\n'), '  ')}
  RETURN NULL;
END
$fn$`,
          `CREATE OR REPLACE TRIGGER MEGACRM_${table} AFTER INSERT OR UPDATE OR DELETE ON ${t(table)} FOR EACH ROW EXECUTE FUNCTION ${fnSchema}MEGACRM_FEED_${table}()`,
        ];
      }),
    ];
  }
  const trgSchema = schemas.MGCUSTOM ? `${schemas.MGCUSTOM}.` : '';
  const identity = (options.oracleVersion ?? 12) >= 12;
  return [
    `CREATE TABLE ${feed} (
  FEED_IN_SEQ NUMBER(19) ${identity ? 'GENERATED ALWAYS AS IDENTITY ' : 'NOT NULL '}PRIMARY KEY,
  FEED_ST_TABELA VARCHAR2(30) NOT NULL,
  FEED_ST_ENTIDADE VARCHAR2(20) NOT NULL,
  FEED_ST_CHAVE VARCHAR2(100) NOT NULL,
  FEED_CH_OPERACAO CHAR(1) NOT NULL,
  FEED_DT_ALTERACAO TIMESTAMP(3) DEFAULT SYSTIMESTAMP NOT NULL
)`,
    // Oracle 11g has no identity columns: a sequence numbers the rows, from a BEFORE INSERT trigger.
    ...(identity
      ? []
      : [
          `CREATE SEQUENCE ${trgSchema}MEGACRM_FEED_SEQ START WITH 1 INCREMENT BY 1`,
          `CREATE OR REPLACE TRIGGER ${trgSchema}MEGACRM_FEED_BI
BEFORE INSERT ON ${feed} FOR EACH ROW
BEGIN
  SELECT ${trgSchema}MEGACRM_FEED_SEQ.NEXTVAL INTO :NEW.FEED_IN_SEQ FROM DUAL;
END;`,
        ]),
    ...sources.map(([table, entities]) => {
      const { guarded, keyExpr } = triggerParts(schema, table);
      return `CREATE OR REPLACE TRIGGER ${trgSchema}MEGACRM_${table}
AFTER INSERT OR UPDATE OR DELETE ON ${t(table)} FOR EACH ROW
DECLARE op CHAR(1);
BEGIN
  op := CASE WHEN INSERTING THEN 'I' WHEN UPDATING THEN 'U' ELSE 'D' END;
  IF DELETING THEN
${guarded(':OLD', entities.map(([entity, cols, suffix]) => `    INSERT INTO ${feed} ${INSERT_COLUMNS} VALUES ('${table}', '${entity}', ${keyExpr(':OLD', cols, suffix)}, op);`).join('\n'), '    ')}
  ELSE
${guarded(':NEW', entities.map(([entity, cols, suffix]) => `    INSERT INTO ${feed} ${INSERT_COLUMNS} VALUES ('${table}', '${entity}', ${keyExpr(':NEW', cols, suffix)}, op);`).join('\n'), '    ')}
  END IF;
END;`;
    }),
  ];
}

/** DDL to install the feed on an existing Mega (the DBA runs it once). */
export function feedInstallScript(dialect: Dialect, schemas: SchemaMapping, options: FeedDdlOptions = {}): string {
  const separator = dialect === 'oracle' ? '\n/\n' : ';\n';
  return `${feedDdl(dialect, schemas, options).join(separator)}${separator}`;
}
