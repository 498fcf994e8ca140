/**
 * The Mega tables this package reads, with their real names (domain/reference.md §3), and the
 * SDK's own change-feed table. Columns marked GUESS are not documented publicly; every such guess
 * is listed here and nowhere else.
 */

export interface AgentKey {
  readonly tab: number;
  readonly pad: number;
  readonly code: number;
}

/** Mega's agent key as one string, used as the CRM integration id of a client. */
export function agentKeyString(key: AgentKey): string {
  return `${key.tab}-${key.pad}-${key.code}`;
}

export function parseAgentKey(value: string): AgentKey {
  const parts = value.split('-').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n))) throw new TypeError(`Not a Mega agent key: ${value}`);
  return { tab: parts[0] as number, pad: parts[1] as number, code: parts[2] as number };
}

/** GUESS: marital status codes of GLO_PESSOA_FISICA.AGN_CH_ESTCIVIL. */
export const MARITAL_STATUS_CODES = {
  S: 'single',
  C: 'married',
  D: 'divorced',
  V: 'widowed',
  P: 'separated',
  U: 'stable-union',
} as const;

/** Role code of a client agent in GLO_AGENTES_ID.AGN_TAU_ST_CODIGO. */
export const CLIENT_ROLE = 'C';

/** SQLite DDL of the Mega agent tables (Oracle types map 1:1: INTEGER→NUMBER, TEXT→VARCHAR2, dates as ISO text). */
export const SQLITE_AGENT_DDL = `
CREATE TABLE GLO_AGENTES (
  AGN_TAB_IN_CODIGO INTEGER NOT NULL,
  AGN_PAD_IN_CODIGO INTEGER NOT NULL,
  AGN_IN_CODIGO INTEGER NOT NULL,
  AGN_ST_NOME TEXT NOT NULL,
  AGN_ST_FANTASIA TEXT,
  AGN_CH_TIPOPESSOAFJ TEXT NOT NULL,
  AGN_ST_CGC TEXT,
  TPL_ST_SIGLA TEXT,
  AGN_ST_LOGRADOURO TEXT,
  AGN_ST_NUMERO TEXT,
  AGN_ST_COMPLEMENTO TEXT,
  AGN_ST_BAIRRO TEXT,
  AGN_ST_MUNICIPIO TEXT,
  UF_ST_SIGLA TEXT,
  AGN_ST_CEP TEXT,
  AGN_ST_EMAIL TEXT,
  AGN_ST_OUTROSEMAILS TEXT,
  PRIMARY KEY (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO)
);
CREATE TABLE GLO_AGENTES_ID (
  AGN_TAB_IN_CODIGO INTEGER NOT NULL,
  AGN_PAD_IN_CODIGO INTEGER NOT NULL,
  AGN_IN_CODIGO INTEGER NOT NULL,
  AGN_TAU_ST_CODIGO TEXT NOT NULL,
  AGN_CH_STATUS TEXT NOT NULL DEFAULT 'A',
  AGN_DT_INICIOMOV TEXT,
  PRIMARY KEY (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_TAU_ST_CODIGO)
);
CREATE TABLE GLO_PESSOA_FISICA (
  AGN_TAB_IN_CODIGO INTEGER NOT NULL,
  AGN_PAD_IN_CODIGO INTEGER NOT NULL,
  AGN_IN_CODIGO INTEGER NOT NULL,
  AGN_CH_TIPO TEXT NOT NULL, -- 'P' the agent itself, 'C' its spouse
  AGN_ST_CPF TEXT,
  AGN_ST_RG TEXT,
  AGN_ST_CARGOPROFISS TEXT,
  AGN_ST_NACIONALIDADE TEXT,
  AGN_CH_ESTCIVIL TEXT,
  AGN_CH_REGIMECASAMENTO TEXT,
  AGN_DT_NASCIMENTO TEXT,
  AGN_ST_CONJUGE TEXT, -- spouse name, on the 'P' row
  PRIMARY KEY (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, AGN_CH_TIPO)
);
-- GUESS: Mega builds phone lists with FNC_GLO_CONCATENA_TELAGENTE; the table behind it is not public.
CREATE TABLE GLO_AGENTES_TELEFONE (
  AGN_TAB_IN_CODIGO INTEGER NOT NULL,
  AGN_PAD_IN_CODIGO INTEGER NOT NULL,
  AGN_IN_CODIGO INTEGER NOT NULL,
  TEA_IN_SEQUENCIA INTEGER NOT NULL,
  TEA_ST_DDD TEXT,
  TEA_ST_TELEFONE TEXT NOT NULL,
  PRIMARY KEY (AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, TEA_IN_SEQUENCIA)
);
`;

/** The SDK's change feed: one row per change to an agent table, strictly increasing FEED_IN_SEQ. */
export const SQLITE_FEED_DDL = `
CREATE TABLE IF NOT EXISTS MEGACRM_FEED (
  FEED_IN_SEQ INTEGER PRIMARY KEY AUTOINCREMENT,
  FEED_ST_ENTIDADE TEXT NOT NULL,
  AGN_TAB_IN_CODIGO INTEGER NOT NULL,
  AGN_PAD_IN_CODIGO INTEGER NOT NULL,
  AGN_IN_CODIGO INTEGER NOT NULL,
  FEED_CH_OPERACAO TEXT NOT NULL, -- I, U, D
  FEED_DT_ALTERACAO TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
`;

const AGENT_TABLES = ['GLO_AGENTES', 'GLO_AGENTES_ID', 'GLO_PESSOA_FISICA', 'GLO_AGENTES_TELEFONE'] as const;

/** Triggers that write every insert, update and delete of an agent table to MEGACRM_FEED. */
export function sqliteFeedTriggers(): string {
  const ops = [
    ['INSERT', 'I', 'NEW'],
    ['UPDATE', 'U', 'NEW'],
    ['DELETE', 'D', 'OLD'],
  ] as const;
  return AGENT_TABLES.flatMap((table) =>
    ops.map(
      ([event, op, row]) => `CREATE TRIGGER IF NOT EXISTS MEGACRM_${table}_${op} AFTER ${event} ON ${table}
BEGIN
  INSERT INTO MEGACRM_FEED (FEED_ST_ENTIDADE, AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, FEED_CH_OPERACAO)
  VALUES ('client', ${row}.AGN_TAB_IN_CODIGO, ${row}.AGN_PAD_IN_CODIGO, ${row}.AGN_IN_CODIGO, '${op}');
END;`,
    ),
  ).join('\n');
}
