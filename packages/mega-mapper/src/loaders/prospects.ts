import type { CapturedItem } from '@mega-crm/core';
import { type AgentKey, agentKey, parseAgentKey } from '../keys.js';
import { keyOfAgentRow } from '../mappers/client.js';
import { type MegaProspectRow, mapProspect } from '../mappers/prospect.js';
import { SKIP_REASONS } from '../scope.js';
import { agentPage, agentTuple } from './agents.js';
import { AGENT_COLUMNS, cols, type EntityLoader, inChunks, type LoaderContext, limited, mappedItem, on, pageFilter } from './context.js';

type Converted = { readonly IS_CLIENT: number | string };

/**
 * Mega's prospects (CMR_PROSPECT), keyed by the shared id. A prospect whose agent has the client role
 * is converted: the client sync carries it under the same id (one CRM record), so it is skipped here.
 */
export function prospectLoader(ctx: LoaderContext): EntityLoader {
  const { t, sql } = ctx;
  const key = cols('p', AGENT_COLUMNS);
  const isClient = `CASE WHEN EXISTS (SELECT 1 FROM ${t('GLO_AGENTES_ID')} r WHERE ${on('r', 'p', AGENT_COLUMNS)} AND r.AGN_TAU_ST_CODIGO = 'C') THEN 1 ELSE 0 END AS IS_CLIENT`;
  const query = async (after: readonly unknown[] | null, keys: AgentKey[] | undefined, limit: number) => {
    const filter = pageFilter(key, after, keys?.map(agentTuple), ctx.sql.dialect);
    const text = `SELECT ${key.join(', ')}, p.PRO_ST_NOME, p.PRO_CH_TIPOPESSOAFJ, p.PRO_ST_CPFCNPJ, p.PRO_ST_EMAIL, p.PRO_ST_TELEFONE, p.PRO_CH_ORIGEM, ${isClient}
      FROM ${t('CMR_PROSPECT')} p WHERE ${filter.sql} ORDER BY ${key.join(', ')}`;
    return keys
      ? sql.all<MegaProspectRow & Converted>(text, filter.params)
      : sql.all<MegaProspectRow & Converted>(limited(ctx, text), [...filter.params, limit]);
  };
  const map = (rows: ReadonlyArray<MegaProspectRow & Converted>): CapturedItem[] =>
    rows.map((row): CapturedItem => {
      const k = agentKey(keyOfAgentRow(row));
      if (Number(row.IS_CLIENT) === 1) return { kind: 'skipped', entity: 'prospect', key: k, reason: SKIP_REASONS.prospectConverted };
      return mappedItem(ctx, 'prospect', k, mapProspect(row));
    });
  const deleted = (keys: readonly string[], found: ReadonlySet<string>): CapturedItem[] =>
    keys.filter((k) => !found.has(k)).map((k) => ({ kind: 'skipped', entity: 'prospect', key: k, reason: SKIP_REASONS.prospectDeleted, removal: 'deleted' }));
  const agents = (keys: readonly string[]) => keys.map((k) => parseAgentKey(k));
  return {
    entity: 'prospect',
    async scan(after, limit) {
      const rows = await query(after, undefined, limit);
      return agentPage(rows, map(rows));
    },
    async load(keys) {
      const rows = await inChunks(agents(keys), (chunk) => query(null, [...chunk], 0));
      return [...map(rows), ...deleted(keys, new Set(rows.map((r) => agentKey(keyOfAgentRow(r)))))];
    },
    async check(keys) {
      const rows = await inChunks(agents(keys), (chunk) => {
        const f = pageFilter(key, null, chunk.map(agentTuple));
        return sql.all<MegaProspectRow>(`SELECT ${key.join(', ')} FROM ${t('CMR_PROSPECT')} p WHERE ${f.sql}`, f.params);
      });
      return deleted(keys, new Set(rows.map((r) => agentKey(keyOfAgentRow(r)))));
    },
  };
}
