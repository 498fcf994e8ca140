import type { CapturedItem } from '@mega-crm/core';
import { type AgentKey, agentKey, agentOf, spouseKeyOf } from '../keys.js';
import { keyOfAgentRow, type MegaClientRow, type MegaPhoneRow, mapClient } from '../mappers/client.js';
import { code } from '../mappers/common.js';
import { type MegaSpouseRow, mapSpouse } from '../mappers/spouse.js';
import { enterpriseFlagPredicate, SKIP_REASONS } from '../scope.js';
import { AGENT_COLUMNS, cols, type EntityLoader, inChunks, type LoaderContext, limited, mappedItem, on, pageFilter } from './context.js';

type Scoped = { readonly IN_SCOPE: number | string };
type AgentRow = { readonly AGN_TAB_IN_CODIGO: number; readonly AGN_PAD_IN_CODIGO: number; readonly AGN_IN_CODIGO: number };

/** `1 AS IN_SCOPE` when the agent (alias) buys a contract in a flagged enterprise, else 0. */
function agentScope(ctx: LoaderContext, alias: string): { sql: string; params: unknown[] } {
  if (ctx.scope.clients === 'all') return { sql: '1 AS IN_SCOPE', params: [] };
  const { t } = ctx;
  const flag = enterpriseFlagPredicate(ctx.scope, 'e');
  return {
    sql: `CASE WHEN EXISTS (SELECT 1 FROM ${t('CAR_CONTRATO_CLIENTE')} cc
      JOIN ${t('CAR_CONTRATO_ENVOLVIDO')} ce ON ${on('ce', 'cc', ['ORG_TAB_IN_CODIGO', 'ORG_PAD_IN_CODIGO', 'ORG_IN_CODIGO', 'ORG_TAU_ST_CODIGO', 'CTO_IN_CODIGO'])} AND ce.CTOENV_CH_ORIGEM = 'U'
      JOIN ${t('DBM_UNIDADE')} u ON ${on('u', 'ce', ['ORG_TAB_IN_CODIGO', 'ORG_PAD_IN_CODIGO', 'ORG_IN_CODIGO', 'ORG_TAU_ST_CODIGO', 'EST_IN_CODIGO'])}
      JOIN ${t('DBM_ESTRUTURA')} e ON ${on('e', 'u', ['ORG_TAB_IN_CODIGO', 'ORG_PAD_IN_CODIGO', 'ORG_IN_CODIGO', 'ORG_TAU_ST_CODIGO'])} AND e.EST_IN_CODIGO = u.EMP_EST_IN_CODIGO
      WHERE ${on('cc', alias, AGENT_COLUMNS)} AND ${flag.sql}) THEN 1 ELSE 0 END AS IN_SCOPE`,
    params: flag.params,
  };
}

export const agentTuple = (k: AgentKey) => [k.tab, k.pad, k.code];

/** A scan's answer for a page of agent rows: the items, and the key of its last row (where the next page starts). */
export function agentPage(rows: readonly AgentRow[], items: CapturedItem[]): { items: CapturedItem[]; last: unknown[] | null; count: number } {
  const last = rows.at(-1);
  return { items, last: last ? agentTuple(keyOfAgentRow(last)) : null, count: rows.length };
}

/**
 * "The agent has the client role", as EXISTS rather than a join, so the page is read from the agent's
 * own key index in key order (a join lets the planner start from GLO_AGENTES_ID and sort every page).
 */
function roleFilter(ctx: LoaderContext): (alias: string) => string {
  return (alias) => `EXISTS (SELECT 1 FROM ${ctx.t('GLO_AGENTES_ID')} r WHERE ${on('r', alias, AGENT_COLUMNS)} AND r.AGN_TAU_ST_CODIGO = 'C')`;
}

export function clientLoader(ctx: LoaderContext): EntityLoader {
  const { t, sql } = ctx;
  const clientRole = roleFilter(ctx);
  const key = cols('a', AGENT_COLUMNS);
  const query = async (after: readonly unknown[] | null, keys: AgentKey[] | undefined, limit: number) => {
    const scope = agentScope(ctx, 'a');
    const filter = pageFilter(key, after, keys?.map(agentTuple), ctx.sql.dialect);
    const text = `SELECT ${key.join(', ')}, a.AGN_ST_NOME, a.AGN_ST_FANTASIA, a.AGN_CH_TIPOPESSOAFJ, a.AGN_ST_CGC, a.TPL_ST_SIGLA,
        a.AGN_ST_LOGRADOURO, a.AGN_ST_NUMERO, a.AGN_ST_COMPLEMENTO, a.AGN_ST_BAIRRO, a.AGN_ST_MUNICIPIO, a.UF_ST_SIGLA, a.AGN_ST_CEP,
        a.AGN_ST_EMAIL, a.AGN_ST_OUTROSEMAILS, p.AGN_ST_CPF, p.AGN_CH_ESTCIVIL, p.AGN_DT_NASCIMENTO, p.AGN_ST_CONJUGE,
        CASE WHEN EXISTS (SELECT 1 FROM ${t('GLO_PESSOA_FISICA')} s WHERE ${on('s', 'a', AGENT_COLUMNS)} AND s.AGN_CH_TIPO = 'C') THEN 1 ELSE 0 END AS HAS_SPOUSE,
        (SELECT s.AGN_ST_CPF FROM ${t('GLO_PESSOA_FISICA')} s WHERE ${on('s', 'a', AGENT_COLUMNS)} AND s.AGN_CH_TIPO = 'C') AS SPOUSE_CPF,
        ${scope.sql}
      FROM ${t('GLO_AGENTES')} a
      LEFT JOIN ${t('GLO_PESSOA_FISICA')} p ON ${on('p', 'a', AGENT_COLUMNS)} AND p.AGN_CH_TIPO = 'P'
      WHERE ${filter.sql} AND ${clientRole('a')}
      ORDER BY ${key.join(', ')}`;
    return keys
      ? sql.all<MegaClientRow & Scoped>(text, [...scope.params, ...filter.params])
      : sql.all<MegaClientRow & Scoped>(limited(ctx, text), [...scope.params, ...filter.params, limit]);
  };
  const map = async (rows: ReadonlyArray<MegaClientRow & Scoped>): Promise<CapturedItem[]> => {
    const phones = await loadPhones(ctx, rows.map(keyOfAgentRow));
    return rows.map((row): CapturedItem => {
      const k = agentKey(keyOfAgentRow(row));
      if (Number(row.IN_SCOPE) !== 1) return { kind: 'skipped', entity: 'client', key: k, reason: SKIP_REASONS.clientOutOfScope, removal: 'out-of-scope' };
      return mappedItem(ctx, 'client', k, mapClient(row, phones.get(k)));
    });
  };
  return {
    entity: 'client',
    async scan(after, limit) {
      const rows = await query(after, undefined, limit);
      return agentPage(rows, await map(rows));
    },
    async load(keys) {
      const agents = keys.map((k) => agentOf('client', k));
      const rows = await inChunks(agents, (chunk) => query(null, [...chunk], 0));
      const items = await map(rows);
      const found = new Set(rows.map((r) => agentKey(keyOfAgentRow(r))));
      items.push(
        ...(await absent(
          ctx,
          'client',
          keys.filter((k) => !found.has(k)),
        )),
      );
      return items;
    },
    async check(keys) {
      const rows = await inChunks(
        keys.map((k) => agentOf('client', k)),
        (chunk) => {
          const scope = agentScope(ctx, 'a');
          const f = pageFilter(key, null, chunk.map(agentTuple));
          return sql.all<AgentRow & Scoped>(`SELECT ${key.join(', ')}, ${scope.sql} FROM ${t('GLO_AGENTES')} a WHERE ${f.sql} AND ${clientRole('a')}`, [
            ...scope.params,
            ...f.params,
          ]);
        },
      );
      const inScope = new Map(rows.map((r) => [agentKey(keyOfAgentRow(r)), Number(r.IN_SCOPE) === 1]));
      const outOfScope = keys.flatMap((k): CapturedItem[] =>
        inScope.get(k) === false ? [{ kind: 'skipped', entity: 'client', key: k, reason: SKIP_REASONS.clientOutOfScope, removal: 'out-of-scope' }] : [],
      );
      return [
        ...outOfScope,
        ...(await absent(
          ctx,
          'client',
          keys.filter((k) => !inScope.has(k)),
        )),
      ];
    },
  };
}

async function loadPhones(ctx: LoaderContext, agents: readonly AgentKey[]): Promise<Map<string, MegaPhoneRow[]>> {
  const byKey = new Map<string, MegaPhoneRow[]>();
  const rows = await inChunks(agents, (chunk) => {
    const filter = pageFilter(AGENT_COLUMNS, null, chunk.map(agentTuple));
    return ctx.sql.all<MegaPhoneRow & { AGN_TAB_IN_CODIGO: number; AGN_PAD_IN_CODIGO: number; AGN_IN_CODIGO: number }>(
      `SELECT ${AGENT_COLUMNS.join(', ')}, TEA_ST_DDD, TEA_ST_TELEFONE FROM ${ctx.t('GLO_AGENTES_TELEFONE')} x
        WHERE ${filter.sql} ORDER BY ${AGENT_COLUMNS.join(', ')}, TEA_IN_SEQUENCIA`,
      filter.params,
    );
  });
  for (const p of rows) {
    const k = agentKey(keyOfAgentRow(p));
    const list = byKey.get(k) ?? [];
    list.push({ TEA_ST_DDD: p.TEA_ST_DDD, TEA_ST_TELEFONE: p.TEA_ST_TELEFONE });
    byKey.set(k, list);
  }
  return byKey;
}

export function spouseLoader(ctx: LoaderContext): EntityLoader {
  const { t, sql } = ctx;
  const clientRole = roleFilter(ctx);
  const key = cols('s', AGENT_COLUMNS);
  const query = async (after: readonly unknown[] | null, keys: AgentKey[] | undefined, limit: number) => {
    const scope = agentScope(ctx, 's');
    const filter = pageFilter(key, after, keys?.map(agentTuple), ctx.sql.dialect);
    const text = `SELECT ${key.join(', ')}, s.AGN_ST_CPF, s.AGN_ST_RG, s.AGN_ST_CARGOPROFISS, s.AGN_ST_NACIONALIDADE, s.AGN_DT_NASCIMENTO,
        p.AGN_ST_CONJUGE AS SPOUSE_NAME, p.AGN_ST_CPF AS CLIENT_CPF, a.AGN_CH_TIPOPESSOAFJ AS CLIENT_TYPE, ${scope.sql}
      FROM ${t('GLO_PESSOA_FISICA')} s
      LEFT JOIN ${t('GLO_PESSOA_FISICA')} p ON ${on('p', 's', AGENT_COLUMNS)} AND p.AGN_CH_TIPO = 'P'
      LEFT JOIN ${t('GLO_AGENTES')} a ON ${on('a', 's', AGENT_COLUMNS)}
      WHERE s.AGN_CH_TIPO = 'C' AND ${filter.sql} AND ${clientRole('s')}
      ORDER BY ${key.join(', ')}`;
    return keys
      ? sql.all<MegaSpouseRow & Scoped>(text, [...scope.params, ...filter.params])
      : sql.all<MegaSpouseRow & Scoped>(limited(ctx, text), [...scope.params, ...filter.params, limit]);
  };
  const map = (rows: ReadonlyArray<MegaSpouseRow & Scoped>): CapturedItem[] =>
    rows.map((row): CapturedItem => {
      const k = spouseKeyOf(agentKey(keyOfAgentRow(row)));
      if (Number(row.IN_SCOPE) !== 1) return { kind: 'skipped', entity: 'spouse', key: k, reason: SKIP_REASONS.clientOutOfScope, removal: 'out-of-scope' };
      if (code(row.CLIENT_TYPE) === 'J') return { kind: 'skipped', entity: 'spouse', key: k, reason: SKIP_REASONS.companySpouse, removal: 'out-of-scope' };
      return mappedItem(ctx, 'spouse', k, mapSpouse(row));
    });
  return {
    entity: 'spouse',
    async scan(after, limit) {
      const rows = await query(after, undefined, limit);
      return agentPage(rows, map(rows));
    },
    async load(keys) {
      const rows = await inChunks(
        keys.map((k) => agentOf('spouse', k)),
        (chunk) => query(null, [...chunk], 0),
      );
      const items = map(rows);
      const found = new Set(items.map((i) => (i.kind === 'record' ? i.record.key : i.key)));
      items.push(
        ...(await absent(
          ctx,
          'spouse',
          keys.filter((k) => !found.has(k)),
        )),
      );
      return items;
    },
    async check(keys) {
      const rows = await inChunks(
        keys.map((k) => agentOf('spouse', k)),
        (chunk) => {
          const scope = agentScope(ctx, 's');
          const f = pageFilter(key, null, chunk.map(agentTuple));
          return sql.all<AgentRow & Scoped & { CLIENT_TYPE: string | null }>(
            `SELECT ${key.join(', ')}, a.AGN_CH_TIPOPESSOAFJ AS CLIENT_TYPE, ${scope.sql} FROM ${t('GLO_PESSOA_FISICA')} s
              LEFT JOIN ${t('GLO_AGENTES')} a ON ${on('a', 's', AGENT_COLUMNS)}
              WHERE s.AGN_CH_TIPO = 'C' AND ${f.sql} AND ${clientRole('s')}`,
            [...scope.params, ...f.params],
          );
        },
      );
      const byKey = new Map(rows.map((r) => [spouseKeyOf(agentKey(keyOfAgentRow(r))), r]));
      const missing = await absent(
        ctx,
        'spouse',
        keys.filter((k) => !byKey.has(k)),
      );
      return keys.flatMap((k): CapturedItem[] => {
        const row = byKey.get(k);
        if (!row) return missing.filter((i) => i.kind === 'skipped' && i.key === k);
        if (Number(row.IN_SCOPE) !== 1) return [{ kind: 'skipped', entity: 'spouse', key: k, reason: SKIP_REASONS.clientOutOfScope, removal: 'out-of-scope' }];
        return code(row.CLIENT_TYPE) === 'J'
          ? [{ kind: 'skipped', entity: 'spouse', key: k, reason: SKIP_REASONS.companySpouse, removal: 'out-of-scope' }]
          : [];
      });
    },
  };
}

/**
 * Why client or spouse keys were not found among client agents: the agent (or spouse row) is gone
 * ('deleted'), or it is still there without the client role ('out-of-scope'). One keys-only query.
 */
async function absent(ctx: LoaderContext, entity: 'client' | 'spouse', keys: readonly string[]): Promise<CapturedItem[]> {
  if (keys.length === 0) return [];
  const table = entity === 'client' ? ctx.t('GLO_AGENTES') : ctx.t('GLO_PESSOA_FISICA');
  const rows = await inChunks(
    keys.map((k) => agentOf(entity, k)),
    (chunk) => {
      const f = pageFilter(AGENT_COLUMNS, null, chunk.map(agentTuple));
      return ctx.sql.all<AgentRow>(
        `SELECT ${AGENT_COLUMNS.join(', ')} FROM ${table} x WHERE ${f.sql}${entity === 'spouse' ? " AND AGN_CH_TIPO = 'C'" : ''}`,
        f.params,
      );
    },
  );
  const still = new Set(rows.map((r) => agentKey(keyOfAgentRow(r))));
  return keys.map((k): CapturedItem => {
    const agent = agentKey(agentOf(entity, k));
    if (still.has(agent)) return { kind: 'skipped', entity, key: k, reason: SKIP_REASONS.notClient, removal: 'out-of-scope' };
    return { kind: 'skipped', entity, key: k, reason: entity === 'client' ? SKIP_REASONS.agentDeleted : SKIP_REASONS.noSpouse, removal: 'deleted' };
  });
}
