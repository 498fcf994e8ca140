import type { CapturedItem } from '@mega-crm/core';
import { contractKey, type OrgKey, parseOrgKey } from '../keys.js';
import { type MegaBuyerRow, type MegaContractRow, type MegaOrgRow, type MegaStructureRow, mapContract, orgOf } from '../mappers/contract.js';
import { enterpriseFlagPredicate, SKIP_REASONS } from '../scope.js';
import { cols, contractInScopeExists, type EntityLoader, inChunks, type LoaderContext, limited, mappedItem, ORG_COLUMNS, pageFilter } from './context.js';

const CONTRACT_COLUMNS = [...ORG_COLUMNS, 'CTO_IN_CODIGO'] as const;
const orgTuple = (o: OrgKey) => [o.tab, o.pad, o.org, o.tau];
const contractTuple = (row: MegaOrgRow & { CTO_IN_CODIGO: number }) => [...orgTuple(orgOf(row)), Number(row.CTO_IN_CODIGO)];
const estKey = (row: MegaOrgRow, est: number) => `${orgTuple(orgOf(row)).join('|')}|${est}`;

type Involved = MegaOrgRow & { CTO_IN_CODIGO: number; EST_IN_CODIGO: number; CTOENV_CH_ORIGEM: string };
type Unit = MegaOrgRow & { EST_IN_CODIGO: number; EMP_EST_IN_CODIGO: number | null; BLO_EST_IN_CODIGO: number | null };
type Structure = MegaOrgRow & MegaStructureRow;

export function contractLoader(ctx: LoaderContext): EntityLoader {
  const { t, sql } = ctx;
  const key = cols('c', CONTRACT_COLUMNS);
  const query = (after: readonly unknown[] | null, keys: unknown[][] | undefined, limit: number) => {
    const filter = pageFilter(key, after, keys, ctx.sql.dialect);
    const text = `SELECT ${key.join(', ')}, c.CTO_CH_TIPO, c.CTO_CH_STATUS, c.CTO_DT_STATUS, c.CTO_DT_CADASTRO, c.CTO_DT_ASSINATURA, c.CTO_RE_VALORCONTRATO
      FROM ${t('CAR_CONTRATO')} c WHERE ${filter.sql} ORDER BY ${key.join(', ')}`;
    return keys ? sql.all<MegaContractRow>(text, filter.params) : sql.all<MegaContractRow>(limited(ctx, text), [...filter.params, limit]);
  };

  const byStructure = async (keysList: Array<[MegaOrgRow, number]>): Promise<Map<string, Structure>> => {
    const unique = [...new Map(keysList.map(([o, est]) => [estKey(o, est), [...orgTuple(orgOf(o)), est]])).values()];
    const rows = await inChunks(unique, (chunk) => {
      const f = pageFilter([...ORG_COLUMNS, 'EST_IN_CODIGO'], null, chunk);
      return sql.all<Structure>(
        `SELECT ${ORG_COLUMNS.join(', ')}, EST_IN_CODIGO, EST_ST_CODIGO, EST_ST_NOME, EST_CH_TIPOESTRUTURA, PAI_EST_IN_CODIGO, EST_BO_INTEGRACRM FROM ${t('DBM_ESTRUTURA')} x WHERE ${f.sql}`,
        f.params,
      );
    });
    return new Map(rows.map((r) => [estKey(r, Number(r.EST_IN_CODIGO)), r]));
  };

  const map = async (contracts: readonly MegaContractRow[]): Promise<CapturedItem[]> => {
    if (contracts.length === 0) return [];
    const tuples = contracts.map(contractTuple);
    const buyers = await inChunks(tuples, (chunk) => {
      const f = pageFilter(CONTRACT_COLUMNS, null, chunk);
      return sql.all<MegaBuyerRow & MegaOrgRow & { CTO_IN_CODIGO: number }>(
        `SELECT ${CONTRACT_COLUMNS.join(', ')}, AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO, CTC_RE_PERCENTUAL, CTC_BO_PRINCIPAL
          FROM ${t('CAR_CONTRATO_CLIENTE')} x WHERE ${f.sql} ORDER BY ${CONTRACT_COLUMNS.join(', ')}, AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO`,
        f.params,
      );
    });
    const involved = await inChunks(tuples, (chunk) => {
      const f = pageFilter(CONTRACT_COLUMNS, null, chunk);
      return sql.all<Involved>(
        `SELECT ${CONTRACT_COLUMNS.join(', ')}, EST_IN_CODIGO, CTOENV_CH_ORIGEM FROM ${t('CAR_CONTRATO_ENVOLVIDO')} x WHERE ${f.sql} ORDER BY ${CONTRACT_COLUMNS.join(', ')}, EST_IN_CODIGO`,
        f.params,
      );
    });
    const unitRefs = involved.filter((i) => i.CTOENV_CH_ORIGEM?.trim() === 'U');
    const units = await inChunks(
      unitRefs.map((u) => [...orgTuple(orgOf(u)), Number(u.EST_IN_CODIGO)]),
      (chunk) => {
        const f = pageFilter([...ORG_COLUMNS, 'EST_IN_CODIGO'], null, chunk);
        return sql.all<Unit>(
          `SELECT ${ORG_COLUMNS.join(', ')}, EST_IN_CODIGO, EMP_EST_IN_CODIGO, BLO_EST_IN_CODIGO FROM ${t('DBM_UNIDADE')} x WHERE ${f.sql}`,
          f.params,
        );
      },
    );
    const unitByEst = new Map(units.map((u) => [estKey(u, Number(u.EST_IN_CODIGO)), u]));
    const wanted: Array<[MegaOrgRow, number]> = involved.map((i) => [i, Number(i.EST_IN_CODIGO)]);
    for (const u of units) {
      if (u.EMP_EST_IN_CODIGO != null) wanted.push([u, Number(u.EMP_EST_IN_CODIGO)]);
      if (u.BLO_EST_IN_CODIGO != null) wanted.push([u, Number(u.BLO_EST_IN_CODIGO)]);
    }
    const structures = await byStructure(wanted);
    // Stages sit between blocks and the enterprise: the block's parent, when it is a 'T'.
    const parents: Array<[MegaOrgRow, number]> = [];
    for (const s of structures.values())
      if (s.EST_CH_TIPOESTRUTURA?.trim() === 'B' && s.PAI_EST_IN_CODIGO != null) parents.push([s, Number(s.PAI_EST_IN_CODIGO)]);
    for (const [k, v] of await byStructure(parents.filter(([o, est]) => !structures.has(estKey(o, est))))) structures.set(k, v);

    const group = <R extends MegaOrgRow & { CTO_IN_CODIGO: number }>(rows: readonly R[]) => {
      const m = new Map<string, R[]>();
      for (const r of rows) {
        const k = contractTuple(r).join('|');
        m.set(k, [...(m.get(k) ?? []), r]);
      }
      return m;
    };
    const buyersBy = group(buyers);
    const involvedBy = group(involved);
    return contracts.map((contract): CapturedItem => {
      const k = contractKey(orgOf(contract), Number(contract.CTO_IN_CODIGO));
      const inv = involvedBy.get(contractTuple(contract).join('|')) ?? [];
      const unitRef = inv.find((i) => i.CTOENV_CH_ORIGEM?.trim() === 'U');
      const unitRow = unitRef ? unitByEst.get(estKey(unitRef, Number(unitRef.EST_IN_CODIGO))) : undefined;
      const unit = unitRef ? structures.get(estKey(unitRef, Number(unitRef.EST_IN_CODIGO))) : undefined;
      const enterprise = unitRow?.EMP_EST_IN_CODIGO != null ? structures.get(estKey(unitRow, Number(unitRow.EMP_EST_IN_CODIGO))) : undefined;
      const block = unitRow?.BLO_EST_IN_CODIGO != null ? structures.get(estKey(unitRow, Number(unitRow.BLO_EST_IN_CODIGO))) : undefined;
      const parent = block?.PAI_EST_IN_CODIGO != null ? structures.get(estKey(block, Number(block.PAI_EST_IN_CODIGO))) : undefined;
      const stage = parent?.EST_CH_TIPOESTRUTURA?.trim() === 'T' ? parent : undefined;
      if (enterprise && !isFlagged(ctx, enterprise))
        return { kind: 'skipped', entity: 'contract', key: k, reason: SKIP_REASONS.enterpriseNotFlagged, removal: 'out-of-scope' };
      const garages = inv
        .filter((i) => i.CTOENV_CH_ORIGEM?.trim() === 'G')
        .map((g) => structures.get(estKey(g, Number(g.EST_IN_CODIGO))))
        .filter((g): g is Structure => g !== undefined);
      return mappedItem(
        ctx,
        'contract',
        k,
        mapContract({ contract, buyers: buyersBy.get(contractTuple(contract).join('|')) ?? [], enterprise, stage, block, unit, garages }),
      );
    });
  };

  return {
    entity: 'contract',
    async scan(after, limit) {
      const rows = await query(after, undefined, limit);
      const last = rows[rows.length - 1];
      return { items: await map(rows), last: last ? contractTuple(last) : null, count: rows.length };
    },
    async load(keys) {
      const tuples = keys.map((k) => {
        const { org, id } = parseOrgKey(k);
        return [...orgTuple(org), id];
      });
      const rows = await inChunks(tuples, (chunk) => query(null, [...chunk], 0));
      const items = await map(rows);
      const found = new Set(rows.map((r) => contractKey(orgOf(r), Number(r.CTO_IN_CODIGO))));
      for (const k of keys)
        if (!found.has(k)) items.push({ kind: 'skipped', entity: 'contract', key: k, reason: SKIP_REASONS.contractGone, removal: 'deleted' });
      return items;
    },
    async check(keys) {
      const tuples = keys.map((k) => {
        const { org, id } = parseOrgKey(k);
        return [...orgTuple(org), id];
      });
      const rows = await inChunks(tuples, (chunk) => {
        const inScope = contractInScopeExists(ctx, 'c', enterpriseFlagPredicate(ctx.scope, 'e'));
        const f = pageFilter(key, null, [...chunk]);
        return sql.all<MegaOrgRow & { CTO_IN_CODIGO: number; IN_SCOPE: number | string }>(
          `SELECT ${key.join(', ')}, CASE WHEN ${inScope.sql} THEN 1 ELSE 0 END AS IN_SCOPE FROM ${t('CAR_CONTRATO')} c WHERE ${f.sql}`,
          [...inScope.params, ...f.params],
        );
      });
      const inScope = new Map(rows.map((r) => [contractKey(orgOf(r), Number(r.CTO_IN_CODIGO)), Number(r.IN_SCOPE) === 1]));
      return keys.flatMap((k): CapturedItem[] => {
        const state = inScope.get(k);
        if (state === undefined) return [{ kind: 'skipped', entity: 'contract', key: k, reason: SKIP_REASONS.contractGone, removal: 'deleted' }];
        return state ? [] : [{ kind: 'skipped', entity: 'contract', key: k, reason: SKIP_REASONS.enterpriseNotFlagged, removal: 'out-of-scope' }];
      });
    },
  };
}

export function isFlagged(ctx: LoaderContext, enterprise: MegaStructureRow): boolean {
  const scope = ctx.scope.enterprises;
  return scope === 'mega' ? enterprise.EST_BO_INTEGRACRM?.trim().toUpperCase() === 'S' : scope.codes.includes((enterprise.EST_ST_CODIGO ?? '').trim());
}
