/**
 * The Mega tables this package reads, with their real names (domain/reference.md §3), grouped by
 * their standard schema. Columns marked GUESS are not documented publicly; every such guess is in
 * this file and nowhere else.
 */
import type { Dialect } from '../sql/driver.js';

export type SchemaGroup = 'MGGLO' | 'MGCAR' | 'MGDBM' | 'MGCMR' | 'MGCUSTOM';
export type ColumnType = 'int' | 'money' | 'date' | 'timestamp' | 'char' | 'text';

export interface TableDef {
  readonly name: string;
  readonly group: SchemaGroup;
  readonly columns: ReadonlyArray<readonly [name: string, type: ColumnType, nullable?: 'null']>;
  readonly primaryKey: readonly string[];
  /** Secondary indexes the SDK's queries rely on (a production Mega has its own). */
  readonly indexes?: ReadonlyArray<readonly string[]>;
  /**
   * Set on a table the SDK can do without: what is left out when it is missing. Reading then goes on
   * with a warning in the run summary (once per run) instead of failing; a missing table without it
   * is a MEGA_SCHEMA_MISMATCH configuration error.
   */
  readonly optional?: string;
}

const ORG = [
  ['ORG_TAB_IN_CODIGO', 'int'],
  ['ORG_PAD_IN_CODIGO', 'int'],
  ['ORG_IN_CODIGO', 'int'],
  ['ORG_TAU_ST_CODIGO', 'char'],
] as const;
const ORG_KEY = ORG.map(([c]) => c);
const AGENT = [
  ['AGN_TAB_IN_CODIGO', 'int'],
  ['AGN_PAD_IN_CODIGO', 'int'],
  ['AGN_IN_CODIGO', 'int'],
] as const;
const AGENT_KEY = AGENT.map(([c]) => c);

export const TABLES = {
  GLO_AGENTES: {
    name: 'GLO_AGENTES',
    group: 'MGGLO',
    columns: [
      ...AGENT,
      ['AGN_ST_NOME', 'text'],
      ['AGN_ST_FANTASIA', 'text', 'null'],
      ['AGN_CH_TIPOPESSOAFJ', 'char'],
      ['AGN_ST_CGC', 'text', 'null'],
      ['TPL_ST_SIGLA', 'text', 'null'],
      ['AGN_ST_LOGRADOURO', 'text', 'null'],
      ['AGN_ST_NUMERO', 'text', 'null'],
      ['AGN_ST_COMPLEMENTO', 'text', 'null'],
      ['AGN_ST_BAIRRO', 'text', 'null'],
      ['AGN_ST_MUNICIPIO', 'text', 'null'],
      ['UF_ST_SIGLA', 'text', 'null'],
      ['AGN_ST_CEP', 'text', 'null'],
      ['AGN_ST_EMAIL', 'text', 'null'],
      ['AGN_ST_OUTROSEMAILS', 'text', 'null'],
      // GUESS: Mega stamps changes (manual), column name not public; used by timestamp polling.
      ['AGN_DT_ALTERACAO', 'timestamp', 'null'],
    ],
    primaryKey: AGENT_KEY,
  },
  GLO_AGENTES_ID: {
    name: 'GLO_AGENTES_ID',
    group: 'MGGLO',
    columns: [...AGENT, ['AGN_TAU_ST_CODIGO', 'char'], ['AGN_CH_STATUS', 'char'], ['AGN_DT_INICIOMOV', 'date', 'null']],
    primaryKey: [...AGENT_KEY, 'AGN_TAU_ST_CODIGO'],
  },
  GLO_PESSOA_FISICA: {
    name: 'GLO_PESSOA_FISICA',
    group: 'MGGLO',
    columns: [
      ...AGENT,
      ['AGN_CH_TIPO', 'char'], // 'P' the agent itself, 'C' its spouse
      ['AGN_ST_CPF', 'text', 'null'],
      ['AGN_ST_RG', 'text', 'null'],
      ['AGN_ST_CARGOPROFISS', 'text', 'null'],
      ['AGN_ST_NACIONALIDADE', 'text', 'null'],
      ['AGN_CH_ESTCIVIL', 'char', 'null'],
      ['AGN_CH_REGIMECASAMENTO', 'char', 'null'],
      ['AGN_DT_NASCIMENTO', 'date', 'null'],
      ['AGN_ST_CONJUGE', 'text', 'null'], // spouse name, on the 'P' row
      ['AGN_DT_ALTERACAO', 'timestamp', 'null'], // GUESS, as on GLO_AGENTES
    ],
    primaryKey: [...AGENT_KEY, 'AGN_CH_TIPO'],
  },
  // GUESS: Mega builds phone lists with FNC_GLO_CONCATENA_TELAGENTE; the table behind it is not public.
  GLO_AGENTES_TELEFONE: {
    name: 'GLO_AGENTES_TELEFONE',
    group: 'MGGLO',
    columns: [...AGENT, ['TEA_IN_SEQUENCIA', 'int'], ['TEA_ST_DDD', 'text', 'null'], ['TEA_ST_TELEFONE', 'text']],
    primaryKey: [...AGENT_KEY, 'TEA_IN_SEQUENCIA'],
    optional: 'clients are sent without phones',
  },
  DBM_ESTRUTURA: {
    name: 'DBM_ESTRUTURA',
    group: 'MGDBM',
    columns: [
      ...ORG,
      ['EST_IN_CODIGO', 'int'],
      ['EST_ST_CODIGO', 'text'],
      ['EST_ST_NOME', 'text'],
      ['EST_CH_TIPOESTRUTURA', 'char'], // E enterprise, T stage, B block, U unit, G garage
      ['PAI_EST_IN_CODIGO', 'int', 'null'],
      ['FIL_IN_CODIGO', 'int', 'null'],
      ['EST_DT_CADASTRO', 'date', 'null'],
      // GUESS: the "send to CRM" flag of an enterprise (type 'E'); 'S' or 'N'.
      ['EST_BO_INTEGRACRM', 'char', 'null'],
      ['EST_DT_ALTERACAO', 'timestamp', 'null'], // GUESS, change stamp (polling sees a flag set later)
    ],
    primaryKey: [...ORG_KEY, 'EST_IN_CODIGO'],
  },
  DBM_UNIDADE: {
    name: 'DBM_UNIDADE',
    group: 'MGDBM',
    columns: [
      ...ORG,
      ['EST_IN_CODIGO', 'int'],
      ['UND_CH_STATUS', 'char', 'null'],
      ['UND_RE_AREAPRIVATIVA', 'money', 'null'],
      ['EMP_EST_IN_CODIGO', 'int', 'null'],
      ['BLO_EST_IN_CODIGO', 'int', 'null'],
    ],
    primaryKey: [...ORG_KEY, 'EST_IN_CODIGO'],
  },
  DBM_GARAGEM: {
    name: 'DBM_GARAGEM',
    group: 'MGDBM',
    columns: [
      ...ORG,
      ['EST_IN_CODIGO', 'int'],
      ['GAR_CH_STATUS', 'char', 'null'],
      ['EMP_EST_IN_CODIGO', 'int', 'null'],
      ['BLO_EST_IN_CODIGO', 'int', 'null'],
      ['UND_EST_IN_CODIGO', 'int', 'null'],
    ],
    primaryKey: [...ORG_KEY, 'EST_IN_CODIGO'],
    optional: 'the "garage without its DBM_GARAGEM row" data check is left out',
  },
  CAR_CONTRATO: {
    name: 'CAR_CONTRATO',
    group: 'MGCAR',
    columns: [
      ...ORG,
      ['CTO_IN_CODIGO', 'int'],
      ['FIL_IN_CODIGO', 'int', 'null'],
      ['CTO_CH_TIPO', 'char'], // V sale, P swap, M rent
      ['CTO_CH_STATUS', 'char'], // A U D T C Q
      ['CTO_DT_STATUS', 'date', 'null'],
      ['CTO_DT_CADASTRO', 'date', 'null'],
      ['CTO_DT_ASSINATURA', 'date', 'null'],
      ['CTO_RE_VALORCONTRATO', 'money', 'null'],
      ['CTO_DT_ALTERACAO', 'timestamp', 'null'], // GUESS, change stamp
    ],
    primaryKey: [...ORG_KEY, 'CTO_IN_CODIGO'],
  },
  CAR_CONTRATO_CLIENTE: {
    name: 'CAR_CONTRATO_CLIENTE',
    group: 'MGCAR',
    columns: [
      ...ORG,
      ['CTO_IN_CODIGO', 'int'],
      ...AGENT,
      ['AGN_TAU_ST_CODIGO', 'char'],
      ['CTC_RE_PERCENTUAL', 'money', 'null'], // GUESS: share of the contract
      ['CTC_BO_PRINCIPAL', 'char', 'null'], // GUESS: main buyer, 'S' or 'N'
    ],
    primaryKey: [...ORG_KEY, 'CTO_IN_CODIGO', ...AGENT_KEY],
    indexes: [AGENT_KEY],
  },
  CAR_CONTRATO_ENVOLVIDO: {
    name: 'CAR_CONTRATO_ENVOLVIDO',
    group: 'MGCAR',
    columns: [...ORG, ['CTO_IN_CODIGO', 'int'], ['EST_IN_CODIGO', 'int'], ['CTOENV_CH_ORIGEM', 'char']], // U unit, G garage, B third-party asset
    primaryKey: [...ORG_KEY, 'CTO_IN_CODIGO', 'EST_IN_CODIGO'],
  },
  CAR_PARCELA: {
    name: 'CAR_PARCELA',
    group: 'MGCAR',
    columns: [
      ...ORG,
      ['CTO_IN_CODIGO', 'int'],
      ['PAR_IN_CODIGO', 'int'],
      ['PAR_DT_VENCIMENTO', 'date'],
      ['PAR_DT_BAIXA', 'date', 'null'],
      ['PAR_CH_STATUS', 'char'],
      ['PAR_RE_VALORORIGINAL', 'money'],
      ['PAR_RE_VALORPAGO', 'money', 'null'],
    ],
    primaryKey: [...ORG_KEY, 'CTO_IN_CODIGO', 'PAR_IN_CODIGO'],
  },
  // GUESS: table name and flags of the occurrence-type register (keyed by module + code).
  DBM_TIPOOCORRENCIA: {
    name: 'DBM_TIPOOCORRENCIA',
    group: 'MGDBM',
    columns: [
      ['OCS_IN_MODULO', 'int'],
      ['OCS_IN_CODIGO', 'int'],
      ['OCS_ST_DESCRICAO', 'text'],
      ['OCS_BO_INTEGRACRM', 'char', 'null'], // GUESS: 'S' integrate
      ['OCS_CH_SITUACAOCRM', 'char', 'null'], // GUESS: 'A' arrives open (Aberta), 'F' closed (Fechada)
      ['OCS_DT_ALTERACAO', 'timestamp', 'null'], // GUESS, change stamp (polling sees a type integrated later)
    ],
    primaryKey: ['OCS_IN_MODULO', 'OCS_IN_CODIGO'],
  },
  DBM_GERAOCORRENCIA: {
    name: 'DBM_GERAOCORRENCIA',
    group: 'MGDBM',
    columns: [
      ...ORG,
      ['OCO_IN_CODIGO', 'int'],
      ['OCS_IN_MODULO', 'int'],
      ['OCS_IN_CODIGO', 'int'],
      ['OCO_DT_CADASTRO', 'date'],
      ['OCO_ST_OCORRENCIA', 'text', 'null'],
      ['OCO_ST_COMPLEMENTO', 'text', 'null'],
      ['OCO_DT_ENCERRAMENTO', 'date', 'null'], // GUESS
      ['OCO_DT_ALTERACAO', 'timestamp', 'null'], // GUESS, change stamp
    ],
    primaryKey: [...ORG_KEY, 'OCO_IN_CODIGO'],
  },
  DBM_OCORRENCIACONTRATO: {
    name: 'DBM_OCORRENCIACONTRATO',
    group: 'MGDBM',
    columns: [...ORG, ['CTO_IN_CODIGO', 'int'], ['OCO_IN_CODIGO', 'int']],
    primaryKey: [...ORG_KEY, 'CTO_IN_CODIGO', 'OCO_IN_CODIGO'],
    indexes: [[...ORG_KEY, 'OCO_IN_CODIGO']],
  },
  // Pre-sales. The table name is known (domain/reference.md §3.8, MGCMR); every column is a GUESS.
  // GUESS: Mega keeps a prospect as an agent (GLO_AGENTES) with this row for its pre-sales data, so the
  // agent key is the prospect's shared id: the one the CRM and Vimob carry, and the client's key once
  // the agent gets the client role (conversion keeps the id).
  CMR_PROSPECT: {
    name: 'CMR_PROSPECT',
    group: 'MGCMR',
    columns: [
      ...AGENT,
      ['PRO_ST_NOME', 'text'], // GUESS
      ['PRO_CH_TIPOPESSOAFJ', 'char', 'null'], // GUESS: 'F' person, 'J' company
      ['PRO_ST_CPFCNPJ', 'text', 'null'], // GUESS
      ['PRO_ST_EMAIL', 'text', 'null'], // GUESS
      ['PRO_ST_TELEFONE', 'text', 'null'], // GUESS: DDD and number in one text
      ['PRO_CH_ORIGEM', 'char', 'null'], // GUESS: 'C' registered in the CRM, 'V' in Vimob
      ['PRO_DT_ALTERACAO', 'timestamp', 'null'], // GUESS, change stamp
    ],
    primaryKey: AGENT_KEY,
  },
} as const satisfies Record<string, TableDef>;

export type TableName = keyof typeof TABLES;

/** Where each schema group lives: the standard install, one tenant schema, or none (SQLite). */
export type SchemaMapping = Readonly<Record<SchemaGroup, string>>;

export const STANDARD_SCHEMAS: SchemaMapping = { MGGLO: 'MGGLO', MGCAR: 'MGCAR', MGDBM: 'MGDBM', MGCMR: 'MGCMR', MGCUSTOM: 'MGCUSTOM' };

export function singleSchema(name: string): SchemaMapping {
  return { MGGLO: name, MGCAR: name, MGDBM: name, MGCMR: name, MGCUSTOM: name };
}

export const NO_SCHEMAS: SchemaMapping = singleSchema('');

/** The SDK's own change-feed table (lives in the customisations schema by default). */
export const FEED_TABLE = { name: 'MEGACRM_FEED', group: 'MGCUSTOM' } as const;

export function qualify(table: { readonly name: string; readonly group: SchemaGroup }, schemas: SchemaMapping): string {
  const schema = schemas[table.group];
  return schema ? `${schema}.${table.name}` : table.name;
}

/** A resolver `t('GLO_AGENTES')` → `MGGLO.GLO_AGENTES` for one mapping. */
export function tableNames(schemas: SchemaMapping): (name: TableName | 'MEGACRM_FEED') => string {
  return (name) => (name === 'MEGACRM_FEED' ? qualify(FEED_TABLE, schemas) : qualify(TABLES[name], schemas));
}

/** SQL type of each column type, per dialect (DDL, and the empty stand-in of a missing optional table). */
export const COLUMN_SQL_TYPES: Record<Dialect, Record<ColumnType, string>> = {
  sqlite: { int: 'INTEGER', money: 'REAL', date: 'TEXT', timestamp: 'TEXT', char: 'TEXT', text: 'TEXT' },
  postgres: { int: 'INTEGER', money: 'NUMERIC(18,2)', date: 'DATE', timestamp: 'TIMESTAMP(3)', char: 'CHAR(1)', text: 'VARCHAR(4000)' },
  oracle: { int: 'NUMBER(10)', money: 'NUMBER(18,2)', date: 'DATE', timestamp: 'TIMESTAMP(3)', char: 'CHAR(1)', text: 'VARCHAR2(4000)' },
};

/** CREATE TABLE statements for the demo database and tests (production Mega has its own). */
export function createTablesDdl(dialect: Dialect, schemas: SchemaMapping): string[] {
  const t = tableNames(schemas);
  return (Object.values(TABLES) as TableDef[]).flatMap((table) => {
    const columns = table.columns.map(([name, type, nullable]) => `  ${name} ${COLUMN_SQL_TYPES[dialect][type]}${nullable ? '' : ' NOT NULL'}`);
    const create = `CREATE TABLE ${t(table.name as TableName)} (\n${columns.join(',\n')},\n  PRIMARY KEY (${table.primaryKey.join(', ')})\n)`;
    const indexes = (table.indexes ?? []).map((cols, i) => `CREATE INDEX ${table.name}_X${i + 1} ON ${t(table.name as TableName)} (${cols.join(', ')})`);
    return [create, ...indexes];
  });
}
