/**
 * Scope changes as changes: an enterprise flagged for the CRM after the first sync, or an occurrence
 * type integrated later, brings in records that did not change themselves. These functions turn an
 * enterprise or occurrence type into the keys it covers, per entity; the source loads them like any
 * change, so the store's hash decides what is new (sent) and what is not (unchanged), and records
 * that left the scope come back as skips with their removal cause.
 */
import type { CapturedItem, EntityName } from '@mega-crm/core';
import { type EntityLoader, inChunks, type LoaderContext, ORG_COLUMNS, on } from './loaders/context.js';
import { keysIn } from './sql/driver.js';

export type KeysByEntity = Record<EntityName, Set<string>>;

export const noKeys = (): KeysByEntity => ({ spouse: new Set(), client: new Set(), contract: new Set(), occurrence: new Set(), prospect: new Set() });

type OrgRow = { ORG_TAB_IN_CODIGO: number; ORG_PAD_IN_CODIGO: number; ORG_IN_CODIGO: number; ORG_TAU_ST_CODIGO: string };
const orgKey = (r: OrgRow, id: number) => `${r.ORG_TAB_IN_CODIGO}-${r.ORG_PAD_IN_CODIGO}-${r.ORG_IN_CODIGO}-${String(r.ORG_TAU_ST_CODIGO).trim()}-${id}`;
const orgTuple = (r: OrgRow) => [r.ORG_TAB_IN_CODIGO, r.ORG_PAD_IN_CODIGO, r.ORG_IN_CODIGO, r.ORG_TAU_ST_CODIGO];

/**
 * What the enterprises matching `filter` (on their DBM_ESTRUTURA row, alias `e`) cover: contracts of
 * their units, the buyers and their spouses, the contracts' occurrences. Added to `into`.
 */
export async function enterpriseKeys(ctx: LoaderContext, filter: { sql: string; params: unknown[] }, into: KeysByEntity = noKeys()): Promise<KeysByEntity> {
  const { sql, t } = ctx;
  const contracts = await sql.all<OrgRow & { CTO_IN_CODIGO: number }>(
    `SELECT ${ORG_COLUMNS.map((c) => `ce.${c}`).join(', ')}, ce.CTO_IN_CODIGO FROM ${t('CAR_CONTRATO_ENVOLVIDO')} ce
      JOIN ${t('DBM_UNIDADE')} u ON ${on('u', 'ce', ORG_COLUMNS)} AND u.EST_IN_CODIGO = ce.EST_IN_CODIGO
      JOIN ${t('DBM_ESTRUTURA')} e ON ${on('e', 'u', ORG_COLUMNS)} AND e.EST_IN_CODIGO = u.EMP_EST_IN_CODIGO
      WHERE ce.CTOENV_CH_ORIGEM = 'U' AND e.EST_CH_TIPOESTRUTURA = 'E' AND ${filter.sql}
      ORDER BY ${ORG_COLUMNS.map((c) => `ce.${c}`).join(', ')}, ce.CTO_IN_CODIGO`,
    filter.params,
  );
  for (const c of contracts) into.contract.add(orgKey(c, Number(c.CTO_IN_CODIGO)));
  await inChunks(contracts, async (chunk) => {
    const f = keysIn(
      [...ORG_COLUMNS, 'CTO_IN_CODIGO'],
      chunk.map((c) => [...orgTuple(c), c.CTO_IN_CODIGO]),
    );
    for (const b of await sql.all<{ AGN_TAB_IN_CODIGO: number; AGN_PAD_IN_CODIGO: number; AGN_IN_CODIGO: number }>(
      `SELECT AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO FROM ${t('CAR_CONTRATO_CLIENTE')} WHERE ${f.sql}`,
      f.params,
    )) {
      const client = `${b.AGN_TAB_IN_CODIGO}-${b.AGN_PAD_IN_CODIGO}-${b.AGN_IN_CODIGO}`;
      into.client.add(client);
      into.spouse.add(`${client}-C`);
    }
    for (const o of await sql.all<OrgRow & { OCO_IN_CODIGO: number }>(
      `SELECT ${ORG_COLUMNS.join(', ')}, OCO_IN_CODIGO FROM ${t('DBM_OCORRENCIACONTRATO')} WHERE ${f.sql}`,
      f.params,
    )) {
      into.occurrence.add(orgKey(o, Number(o.OCO_IN_CODIGO)));
    }
    return [];
  });
  return into;
}

/** The occurrences of the given types (`module-code` keys). Added to `into`. */
export async function occurrenceTypeKeys(ctx: LoaderContext, types: readonly string[], into: KeysByEntity = noKeys()): Promise<KeysByEntity> {
  const tuples = types.map((k) => k.split('-').map(Number)).filter((k) => k.length === 2 && k.every(Number.isInteger));
  await inChunks(tuples, async (chunk) => {
    const f = keysIn(['OCS_IN_MODULO', 'OCS_IN_CODIGO'], chunk);
    for (const o of await ctx.sql.all<OrgRow & { OCO_IN_CODIGO: number }>(
      `SELECT ${ORG_COLUMNS.join(', ')}, OCO_IN_CODIGO FROM ${ctx.t('DBM_GERAOCORRENCIA')} WHERE ${f.sql}`,
      f.params,
    )) {
      into.occurrence.add(orgKey(o, Number(o.OCO_IN_CODIGO)));
    }
    return [];
  });
  return into;
}

/**
 * Loads the keys with each loader, in dependency order. `direct` keys were named by the feed itself;
 * the others were brought in by a scope change, where "this buyer has no spouse row" is not news.
 */
export async function loadKeys(loaders: readonly EntityLoader[], keys: KeysByEntity, direct?: KeysByEntity): Promise<CapturedItem[]> {
  const items: CapturedItem[] = [];
  for (const loader of loaders) {
    const wanted = [...keys[loader.entity]];
    if (wanted.length === 0) continue;
    const loaded = await loader.load(wanted);
    items.push(...(loader.entity === 'spouse' ? loaded.filter((i) => i.kind !== 'skipped' || i.removal !== 'deleted' || direct?.spouse.has(i.key)) : loaded));
  }
  return items;
}
