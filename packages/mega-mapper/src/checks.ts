/**
 * Data checks for `mega-crm doctor`: inconsistencies in Mega that stop or distort the integration,
 * each with the SQL to inspect it and what to do.
 */

import { isOptionalTable, type MegaSchemaOverrides, resolveMegaSchema } from './schema/overrides.js';
import { probeTables } from './schema/probe.js';
import { NO_SCHEMAS, type SchemaMapping, STANDARD_SCHEMAS } from './schema/tables.js';
import { enterpriseFlagPredicate, resolveScope, type ScopeConfig } from './scope.js';
import type { SqlDriver } from './sql/driver.js';

export interface DataCheckResult {
  readonly id: 'garage-without-row' | 'client-waiting-spouse' | 'contract-enterprise-not-flagged' | 'contract-buyer-not-in-scope';
  readonly title: string;
  readonly count: number;
  /** A few keys, for a first look (no personal data). */
  readonly sample: readonly string[];
  /** SQL a DBA can run to see every row. */
  readonly inspectSql: string;
  readonly fix: { readonly en: string; readonly pt: string };
}

export async function runDataChecks(
  sql: SqlDriver,
  options: { schemas?: SchemaMapping; schema?: MegaSchemaOverrides; scope?: Partial<ScopeConfig> } = {},
): Promise<DataCheckResult[]> {
  const names = resolveMegaSchema(options.schemas ?? (sql.dialect === 'sqlite' ? NO_SCHEMAS : STANDARD_SCHEMAS), options.schema, sql.dialect);
  const t = names.from;
  // DBM_GARAGEM is optional: without it there is no garage row to miss, and its check is left out.
  const noGarageTable = (await probeTables(sql, names, ['DBM_GARAGEM'], isOptionalTable)).length > 0;
  const scope = resolveScope(options.scope);
  const results: DataCheckResult[] = [];

  // The manual's query for "CLGaragem: É necessário aplicar atualizações antes de atualizar os dados".
  const garageSql = `SELECT e.EST_IN_CODIGO AS K FROM ${t('DBM_ESTRUTURA')} e WHERE e.EST_CH_TIPOESTRUTURA = 'G'
    AND NOT EXISTS (SELECT u.EST_IN_CODIGO FROM ${t('DBM_GARAGEM')} u WHERE u.EST_IN_CODIGO = e.EST_IN_CODIGO)`;
  const garages = noGarageTable ? [] : await sql.all<{ K: number }>(garageSql);
  results.push({
    id: 'garage-without-row',
    title: `Garages in DBM_ESTRUTURA (type G) without their DBM_GARAGEM row ("CLGaragem" incident)${noGarageTable ? ': not checked, this Mega has no DBM_GARAGEM table' : ''}`,
    count: garages.length,
    sample: garages.slice(0, 5).map((r) => `EST_IN_CODIGO ${r.K}`),
    inspectSql: garageSql,
    fix: {
      en: 'Back the rows up (CREATE TABLE dbm_estrutura_ticket_XX AS SELECT …) and remove or complete them with Mega support, as the manual describes.',
      pt: 'Faça backup das linhas (CREATE TABLE dbm_estrutura_ticket_XX AS SELECT …) e remova ou complete-as com o Suporte Mega, como orienta o manual.',
    },
  });

  // A married client whose spouse row cannot be sent (no name): the CRM answers "CONJUGE SEM ID INTEGRACAO".
  const spouseSql = `SELECT s.AGN_TAB_IN_CODIGO || '-' || s.AGN_PAD_IN_CODIGO || '-' || s.AGN_IN_CODIGO AS K
    FROM ${t('GLO_PESSOA_FISICA')} s
    LEFT JOIN ${t('GLO_PESSOA_FISICA')} p ON p.AGN_TAB_IN_CODIGO = s.AGN_TAB_IN_CODIGO AND p.AGN_PAD_IN_CODIGO = s.AGN_PAD_IN_CODIGO AND p.AGN_IN_CODIGO = s.AGN_IN_CODIGO AND p.AGN_CH_TIPO = 'P'
    WHERE s.AGN_CH_TIPO = 'C' AND (p.AGN_ST_CONJUGE IS NULL OR TRIM(p.AGN_ST_CONJUGE) = '')`;
  const spouses = await sql.all<{ K: string }>(spouseSql);
  results.push({
    id: 'client-waiting-spouse',
    title: 'Clients with a spouse row but no spouse name: their spouse cannot get an integration id',
    count: spouses.length,
    sample: spouses.slice(0, 5).map((r) => `client ${r.K}`),
    inspectSql: spouseSql,
    fix: {
      en: "Fill in the spouse's name (AGN_ST_CONJUGE) on the client's record in Mega; the spouse, then the client, are sent on the next run.",
      pt: 'Preencha o nome do cônjuge (AGN_ST_CONJUGE) no cadastro do cliente no Mega; o cônjuge e depois o cliente são enviados na próxima execução.',
    },
  });

  const flag = enterpriseFlagPredicate(scope, 'e');
  const contractSql = `SELECT c.CTO_IN_CODIGO AS K FROM ${t('CAR_CONTRATO')} c
    JOIN ${t('CAR_CONTRATO_ENVOLVIDO')} ce ON ce.ORG_TAB_IN_CODIGO = c.ORG_TAB_IN_CODIGO AND ce.ORG_PAD_IN_CODIGO = c.ORG_PAD_IN_CODIGO AND ce.ORG_IN_CODIGO = c.ORG_IN_CODIGO AND ce.ORG_TAU_ST_CODIGO = c.ORG_TAU_ST_CODIGO AND ce.CTO_IN_CODIGO = c.CTO_IN_CODIGO AND ce.CTOENV_CH_ORIGEM = 'U'
    JOIN ${t('DBM_UNIDADE')} u ON u.ORG_TAB_IN_CODIGO = ce.ORG_TAB_IN_CODIGO AND u.ORG_PAD_IN_CODIGO = ce.ORG_PAD_IN_CODIGO AND u.ORG_IN_CODIGO = ce.ORG_IN_CODIGO AND u.ORG_TAU_ST_CODIGO = ce.ORG_TAU_ST_CODIGO AND u.EST_IN_CODIGO = ce.EST_IN_CODIGO
    JOIN ${t('DBM_ESTRUTURA')} e ON e.ORG_TAB_IN_CODIGO = u.ORG_TAB_IN_CODIGO AND e.ORG_PAD_IN_CODIGO = u.ORG_PAD_IN_CODIGO AND e.ORG_IN_CODIGO = u.ORG_IN_CODIGO AND e.ORG_TAU_ST_CODIGO = u.ORG_TAU_ST_CODIGO AND e.EST_IN_CODIGO = u.EMP_EST_IN_CODIGO
    WHERE NOT (${flag.sql})`;
  const contracts = await sql.all<{ K: number }>(contractSql, flag.params);
  results.push({
    id: 'contract-enterprise-not-flagged',
    title: 'Contracts whose enterprise is not flagged for the CRM (they and their clients are not sent)',
    count: contracts.length,
    sample: contracts.slice(0, 5).map((r) => `CTO_IN_CODIGO ${r.K}`),
    inspectSql: contractSql,
    fix: {
      en: 'If these contracts belong in the CRM, flag their enterprise for the CRM in Mega (Cadastros › Estruturas) or list it in the SDK scope, then resync the enterprise.',
      pt: 'Se estes contratos devem ir ao CRM, marque o empreendimento para o CRM no Mega (Cadastros › Estruturas) ou inclua-o no escopo do SDK e reintegre o empreendimento.',
    },
  });

  // A contract that goes (flagged enterprise) with a buyer that does not (no client role "C", or no agent):
  // the CRM refuses the contract for its missing buyer, and it waits until parked (DEPENDENCY_UNRESOLVED).
  const buyerSql = `SELECT DISTINCT c.CTO_IN_CODIGO AS K, cc.AGN_IN_CODIGO AS B FROM ${t('CAR_CONTRATO')} c
    JOIN ${t('CAR_CONTRATO_ENVOLVIDO')} ce ON ce.ORG_TAB_IN_CODIGO = c.ORG_TAB_IN_CODIGO AND ce.ORG_PAD_IN_CODIGO = c.ORG_PAD_IN_CODIGO AND ce.ORG_IN_CODIGO = c.ORG_IN_CODIGO AND ce.ORG_TAU_ST_CODIGO = c.ORG_TAU_ST_CODIGO AND ce.CTO_IN_CODIGO = c.CTO_IN_CODIGO AND ce.CTOENV_CH_ORIGEM = 'U'
    JOIN ${t('DBM_UNIDADE')} u ON u.ORG_TAB_IN_CODIGO = ce.ORG_TAB_IN_CODIGO AND u.ORG_PAD_IN_CODIGO = ce.ORG_PAD_IN_CODIGO AND u.ORG_IN_CODIGO = ce.ORG_IN_CODIGO AND u.ORG_TAU_ST_CODIGO = ce.ORG_TAU_ST_CODIGO AND u.EST_IN_CODIGO = ce.EST_IN_CODIGO
    JOIN ${t('DBM_ESTRUTURA')} e ON e.ORG_TAB_IN_CODIGO = u.ORG_TAB_IN_CODIGO AND e.ORG_PAD_IN_CODIGO = u.ORG_PAD_IN_CODIGO AND e.ORG_IN_CODIGO = u.ORG_IN_CODIGO AND e.ORG_TAU_ST_CODIGO = u.ORG_TAU_ST_CODIGO AND e.EST_IN_CODIGO = u.EMP_EST_IN_CODIGO
    JOIN ${t('CAR_CONTRATO_CLIENTE')} cc ON cc.ORG_TAB_IN_CODIGO = c.ORG_TAB_IN_CODIGO AND cc.ORG_PAD_IN_CODIGO = c.ORG_PAD_IN_CODIGO AND cc.ORG_IN_CODIGO = c.ORG_IN_CODIGO AND cc.ORG_TAU_ST_CODIGO = c.ORG_TAU_ST_CODIGO AND cc.CTO_IN_CODIGO = c.CTO_IN_CODIGO
    WHERE ${flag.sql} AND NOT EXISTS (SELECT 1 FROM ${t('GLO_AGENTES')} a JOIN ${t('GLO_AGENTES_ID')} r ON r.AGN_TAB_IN_CODIGO = a.AGN_TAB_IN_CODIGO AND r.AGN_PAD_IN_CODIGO = a.AGN_PAD_IN_CODIGO AND r.AGN_IN_CODIGO = a.AGN_IN_CODIGO AND r.AGN_TAU_ST_CODIGO = 'C'
      WHERE a.AGN_TAB_IN_CODIGO = cc.AGN_TAB_IN_CODIGO AND a.AGN_PAD_IN_CODIGO = cc.AGN_PAD_IN_CODIGO AND a.AGN_IN_CODIGO = cc.AGN_IN_CODIGO)`;
  const buyers = await sql.all<{ K: number; B: number }>(buyerSql, flag.params);
  results.push({
    id: 'contract-buyer-not-in-scope',
    title: 'Contracts of flagged enterprises with a buyer who is not a client in Mega (no client role "C"): the CRM refuses them for the missing buyer',
    count: new Set(buyers.map((r) => r.K)).size,
    sample: buyers.slice(0, 5).map((r) => `CTO_IN_CODIGO ${r.K} (buyer AGN_IN_CODIGO ${r.B})`),
    inspectSql: buyerSql,
    fix: {
      en: 'Give each buyer the client role in Mega (Agentes › Identificação "C"), or correct the buyers of the contract; then run `mega-crm resync --entity contract --key <key>`.',
      pt: 'Dê a cada comprador o papel de cliente no Mega (Agentes › Identificação "C"), ou corrija os compradores do contrato; depois rode `mega-crm resync --entity contract --key <chave>`.',
    },
  });
  return results;
}
