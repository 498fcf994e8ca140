/**
 * Scope changes as changes: an enterprise flagged for the CRM after the first sync, or an occurrence
 * type integrated later, brings in records that did not change themselves. These functions turn an
 * enterprise or occurrence type into the keys it covers, per entity, a bounded page at a time; the
 * source loads them like any change, so the store's hash decides what is new (sent) and what is not (unchanged), and records
 * that left the scope come back as skips with their removal cause.
 */
import type { CapturedItem, EntityName } from '@mega-crm/core';
import { cols, type EntityLoader, inChunks, type LoaderContext, limited, ORG_COLUMNS, on } from './loaders/context.js';
import { keysetAfter, keysIn } from './sql/driver.js';

export type KeysByEntity = Record<EntityName, Set<string>>;

export const noKeys = (): KeysByEntity => ({ spouse: new Set(), client: new Set(), contract: new Set(), occurrence: new Set(), prospect: new Set() });

type OrgRow = { ORG_TAB_IN_CODIGO: number; ORG_PAD_IN_CODIGO: number; ORG_IN_CODIGO: number; ORG_TAU_ST_CODIGO: string };
const orgKey = (r: OrgRow, id: number) => `${r.ORG_TAB_IN_CODIGO}-${r.ORG_PAD_IN_CODIGO}-${r.ORG_IN_CODIGO}-${String(r.ORG_TAU_ST_CODIGO).trim()}-${id}`;
const orgTuple = (r: OrgRow) => [r.ORG_TAB_IN_CODIGO, r.ORG_PAD_IN_CODIGO, r.ORG_IN_CODIGO, r.ORG_TAU_ST_CODIGO];

/** A page of what a scope change brings in: the keys, the last row's key to continue after (keyset), the rows read. */
export interface ScopePage {
  readonly keys: KeysByEntity;
  readonly last: unknown[] | null;
  readonly count: number;
}

/** Keyset columns of an enterprise's contracts (on CAR_CONTRATO_ENVOLVIDO `ce`) and of a type's occurrences. */
const CONTRACT_KEY = [...ORG_COLUMNS, 'CTO_IN_CODIGO'] as const;
const OCCURRENCE_KEY = [...ORG_COLUMNS, 'OCO_IN_CODIGO'] as const;

/**
 * What the enterprises matching `filter` (on their DBM_ESTRUTURA row, alias `e`) cover: contracts of
 * their units, the buyers and their spouses, the contracts' occurrences. With `page`, at most
 * `page.limit` contracts after `page.after` (key order), so a large enterprise is expanded over several
 * reads, each bounded; without it, all of them (a targeted resync). Keys are added to `into`.
 */
export async function enterpriseKeys(
  ctx: LoaderContext,
  filter: { sql: string; params: unknown[] },
  into: KeysByEntity = noKeys(),
  page?: { readonly after: readonly unknown[] | null; readonly limit: number },
): Promise<ScopePage> {
  const { sql, t } = ctx;
  const after = page?.after ? keysetAfter(cols('ce', CONTRACT_KEY), page.after, sql.dialect) : { sql: '1 = 1', params: [] };
  const text = `SELECT DISTINCT ${cols('ce', CONTRACT_KEY).join(', ')} FROM ${t('CAR_CONTRATO_ENVOLVIDO')} ce
      JOIN ${t('DBM_UNIDADE')} u ON ${on('u', 'ce', ORG_COLUMNS)} AND u.EST_IN_CODIGO = ce.EST_IN_CODIGO
      JOIN ${t('DBM_ESTRUTURA')} e ON ${on('e', 'u', ORG_COLUMNS)} AND e.EST_IN_CODIGO = u.EMP_EST_IN_CODIGO
      WHERE ce.CTOENV_CH_ORIGEM = 'U' AND e.EST_CH_TIPOESTRUTURA = 'E' AND ${filter.sql} AND ${after.sql}
      ORDER BY ${cols('ce', CONTRACT_KEY).join(', ')}`;
  const params = [...filter.params, ...after.params];
  const contracts = await sql.all<OrgRow & { CTO_IN_CODIGO: number }>(page ? limited(ctx, text) : text, page ? [...params, page.limit] : params);
  for (const c of contracts) into.contract.add(orgKey(c, Number(c.CTO_IN_CODIGO)));
  await inChunks(contracts, async (chunk) => {
    const f = keysIn(
      [...ORG_COLUMNS, 'CTO_IN_CODIGO'],
      chunk.map((c) => [...orgTuple(c), c.CTO_IN_CODIGO]),
    );
    for (const b of await sql.all<{ AGN_TAB_IN_CODIGO: number; AGN_PAD_IN_CODIGO: number; AGN_IN_CODIGO: number }>(
      `SELECT AGN_TAB_IN_CODIGO, AGN_PAD_IN_CODIGO, AGN_IN_CODIGO FROM ${t('CAR_CONTRATO_CLIENTE')} x WHERE ${f.sql}`,
      f.params,
    )) {
      const client = `${b.AGN_TAB_IN_CODIGO}-${b.AGN_PAD_IN_CODIGO}-${b.AGN_IN_CODIGO}`;
      into.client.add(client);
      into.spouse.add(`${client}-C`);
    }
    for (const o of await sql.all<OrgRow & { OCO_IN_CODIGO: number }>(
      `SELECT ${ORG_COLUMNS.join(', ')}, OCO_IN_CODIGO FROM ${t('DBM_OCORRENCIACONTRATO')} x WHERE ${f.sql}`,
      f.params,
    )) {
      into.occurrence.add(orgKey(o, Number(o.OCO_IN_CODIGO)));
    }
    return [];
  });
  const last = contracts.at(-1);
  return { keys: into, last: last ? [...orgTuple(last), last.CTO_IN_CODIGO] : null, count: contracts.length };
}

/** The occurrences of one type (`module-code` key): at most `limit` after `after` (key order). */
export async function occurrenceTypeKeys(
  ctx: LoaderContext,
  type: string,
  page: { readonly after: readonly unknown[] | null; readonly limit: number },
  into: KeysByEntity = noKeys(),
): Promise<ScopePage> {
  const tuple = type.split('-').map(Number);
  if (tuple.length !== 2 || !tuple.every(Number.isInteger)) return { keys: into, last: null, count: 0 };
  const f = keysIn(['OCS_IN_MODULO', 'OCS_IN_CODIGO'], [tuple]);
  const after = page.after ? keysetAfter([...OCCURRENCE_KEY], page.after, ctx.sql.dialect) : { sql: '1 = 1', params: [] };
  const rows = await ctx.sql.all<OrgRow & { OCO_IN_CODIGO: number }>(
    limited(
      ctx,
      `SELECT DISTINCT ${OCCURRENCE_KEY.join(', ')} FROM ${ctx.t('DBM_GERAOCORRENCIA')} x WHERE ${f.sql} AND ${after.sql} ORDER BY ${OCCURRENCE_KEY.join(', ')}`,
    ),
    [...f.params, ...after.params, page.limit],
  );
  for (const o of rows) into.occurrence.add(orgKey(o, Number(o.OCO_IN_CODIGO)));
  const last = rows.at(-1);
  return { keys: into, last: last ? [...orgTuple(last), last.OCO_IN_CODIGO] : null, count: rows.length };
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
