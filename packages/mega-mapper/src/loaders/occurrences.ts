import type { CapturedItem } from '@mega-crm/core';
import { type OrgKey, occurrenceKey, parseOrgKey } from '../keys.js';
import { orgOf } from '../mappers/contract.js';
import { type MegaOccurrenceRow, mapOccurrence } from '../mappers/occurrence.js';
import { enterpriseFlagPredicate, occurrenceRule, SKIP_REASONS } from '../scope.js';
import {
  cols,
  contractInScopeExists,
  type EntityLoader,
  inChunks,
  type LoaderContext,
  limited,
  mappedItem,
  ORG_COLUMNS,
  on,
  pageFilter,
  removalsOf,
} from './context.js';

type Row = MegaOccurrenceRow & { OCS_BO_INTEGRACRM: string | null; OCS_CH_SITUACAOCRM: string | null; IN_SCOPE: number | string };
const orgTuple = (o: OrgKey) => [o.tab, o.pad, o.org, o.tau];

export function occurrenceLoader(ctx: LoaderContext): EntityLoader {
  const { t, sql } = ctx;
  const key = cols('g', [...ORG_COLUMNS, 'OCO_IN_CODIGO']);
  const query = (after: readonly unknown[] | null, keys: unknown[][] | undefined, limit: number) => {
    const inScope = contractInScopeExists(ctx, 'oc', enterpriseFlagPredicate(ctx.scope, 'e'));
    const filter = pageFilter(key, after, keys, ctx.sql.dialect);
    const text = `SELECT ${key.join(', ')}, oc.CTO_IN_CODIGO, g.OCS_IN_MODULO, g.OCS_IN_CODIGO, tp.OCS_ST_DESCRICAO, tp.OCS_BO_INTEGRACRM, tp.OCS_CH_SITUACAOCRM,
        g.OCO_DT_CADASTRO, g.OCO_ST_OCORRENCIA, g.OCO_ST_COMPLEMENTO, g.OCO_DT_ENCERRAMENTO,
        CASE WHEN ${inScope.sql} THEN 1 ELSE 0 END AS IN_SCOPE
      FROM ${t('DBM_GERAOCORRENCIA')} g
      JOIN ${t('DBM_OCORRENCIACONTRATO')} oc ON ${on('oc', 'g', [...ORG_COLUMNS, 'OCO_IN_CODIGO'])}
      LEFT JOIN ${t('DBM_TIPOOCORRENCIA')} tp ON tp.OCS_IN_MODULO = g.OCS_IN_MODULO AND tp.OCS_IN_CODIGO = g.OCS_IN_CODIGO
      WHERE ${filter.sql}
      ORDER BY ${key.join(', ')}, oc.CTO_IN_CODIGO`;
    return keys ? sql.all<Row>(text, [...inScope.params, ...filter.params]) : sql.all<Row>(limited(ctx, text), [...inScope.params, ...filter.params, limit]);
  };
  const map = (rows: readonly Row[]): CapturedItem[] => {
    const seen = new Set<string>();
    const items: CapturedItem[] = [];
    for (const row of rows) {
      const k = occurrenceKey(orgOf(row), Number(row.OCO_IN_CODIGO));
      if (seen.has(k)) continue; // linked to several contracts: the first one carries it
      seen.add(k);
      const rule = occurrenceRule(ctx.scope, Number(row.OCS_IN_MODULO), Number(row.OCS_IN_CODIGO), {
        integrate: row.OCS_BO_INTEGRACRM,
        status: row.OCS_CH_SITUACAOCRM,
      });
      if (!rule?.integrate)
        items.push({ kind: 'skipped', entity: 'occurrence', key: k, reason: SKIP_REASONS.occurrenceTypeNotIntegrated, removal: 'out-of-scope' });
      else if (Number(row.IN_SCOPE) !== 1)
        items.push({ kind: 'skipped', entity: 'occurrence', key: k, reason: SKIP_REASONS.enterpriseNotFlagged, removal: 'out-of-scope' });
      else items.push(mappedItem(ctx, 'occurrence', k, mapOccurrence(row, rule)));
    }
    return items;
  };
  const load = async (keys: readonly string[]): Promise<CapturedItem[]> => {
    const tuples = keys.map((k) => {
      const { org, id } = parseOrgKey(k);
      return [...orgTuple(org), id];
    });
    const items = map(await inChunks(tuples, (chunk) => query(null, [...chunk], 0)));
    const found = new Set(items.map((i) => (i.kind === 'record' ? i.record.key : i.key)));
    for (const k of keys)
      if (!found.has(k)) items.push({ kind: 'skipped', entity: 'occurrence', key: k, reason: SKIP_REASONS.occurrenceGone, removal: 'deleted' });
    return items;
  };
  return {
    entity: 'occurrence',
    load,
    async check(keys) {
      return removalsOf(await load(keys));
    },
    async scan(after, limit) {
      const rows = await query(after, undefined, limit);
      const last = rows[rows.length - 1];
      return { items: map(rows), last: last ? [...orgTuple(orgOf(last)), Number(last.OCO_IN_CODIGO)] : null, count: rows.length };
    },
  };
}
