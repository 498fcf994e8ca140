import { type CapturedItem, type CharsetPolicy, DEFAULT_CHARSET_POLICY, type EntityName, type MegaCrmError, type RecordWarning } from '@mega-crm/core';
import { fitRecordText } from '@mega-crm/core/internal';
import type { MegaSchema } from '../schema/overrides.js';
import type { TableName } from '../schema/tables.js';
import type { ScopeConfig } from '../scope.js';
import { type Dialect, keysetAfter, keysIn, limitClause, type SqlDriver } from '../sql/driver.js';

export interface LoaderContext {
  readonly sql: SqlDriver;
  /** What a query puts after FROM for a table, with the source's schema overrides (see schema/overrides.ts). */
  readonly t: (name: TableName | 'MEGACRM_FEED') => string;
  readonly scope: ScopeConfig;
  /** What to do with text the CRM's charset cannot hold. */
  readonly charset: CharsetPolicy;
}

/** `schema` is read on every query: the source learns which optional tables are missing on its first read. */
export function loaderContext(sql: SqlDriver, schema: () => MegaSchema, scope: ScopeConfig, charset: CharsetPolicy = DEFAULT_CHARSET_POLICY): LoaderContext {
  return { sql, t: (name) => schema().from(name), scope, charset };
}

/** One entity's reads: a keyset-paged full scan, and a load of given keys (the feed's). */
export interface EntityLoader {
  readonly entity: EntityName;
  scan(after: readonly unknown[] | null, limit: number): Promise<{ items: CapturedItem[]; last: unknown[] | null; count: number }>;
  load(keys: readonly string[]): Promise<CapturedItem[]>;
  /** Keys-only reconciliation: of these keys, the ones deleted or out of scope now, as skips with their removal cause. */
  check(keys: readonly string[]): Promise<CapturedItem[]>;
}

/** The removals among loaded items (for loaders whose load is already one light query). */
export const removalsOf = (items: readonly CapturedItem[]): CapturedItem[] => items.filter((i) => i.kind === 'skipped' && i.removal !== undefined);

export const AGENT_COLUMNS = ['AGN_TAB_IN_CODIGO', 'AGN_PAD_IN_CODIGO', 'AGN_IN_CODIGO'] as const;
export const ORG_COLUMNS = ['ORG_TAB_IN_CODIGO', 'ORG_PAD_IN_CODIGO', 'ORG_IN_CODIGO', 'ORG_TAU_ST_CODIGO'] as const;

export const on = (a: string, b: string, columns: readonly string[]): string => columns.map((c) => `${a}.${c} = ${b}.${c}`).join(' AND ');
export const cols = (alias: string, columns: readonly string[]): string[] => columns.map((c) => `${alias}.${c}`);

/** WHERE clause for a page (after a key) or for a list of keys, with its parameters. */
export function pageFilter(
  columns: readonly string[],
  after: readonly unknown[] | null,
  keys?: ReadonlyArray<readonly unknown[]>,
  dialect: Dialect = 'oracle',
): { sql: string; params: unknown[] } {
  if (keys) return keysIn(columns, keys);
  if (after) return keysetAfter(columns, after, dialect);
  return { sql: '1 = 1', params: [] };
}

export function limited(ctx: LoaderContext, sql: string): string {
  return `${sql} ${limitClause(ctx.sql.dialect)}`;
}

/** Runs a keys-IN query in chunks (Oracle accepts at most 1,000 tuples in a list). */
export async function inChunks<K, R>(keys: readonly K[], run: (chunk: readonly K[]) => Promise<R[]>, size = 500): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < keys.length; i += size) out.push(...(await run(keys.slice(i, i + size))));
  return out;
}

/** "Enterprise row `e` is flagged", plus the EXISTS join from a contract (`alias` holds ORG_* and CTO_IN_CODIGO). */
export function contractInScopeExists(ctx: LoaderContext, alias: string, flag: { sql: string; params: unknown[] }): { sql: string; params: unknown[] } {
  const { t } = ctx;
  return {
    sql: `EXISTS (SELECT 1 FROM ${t('CAR_CONTRATO_ENVOLVIDO')} ce
      JOIN ${t('DBM_UNIDADE')} u ON ${on('u', 'ce', ORG_COLUMNS)} AND u.EST_IN_CODIGO = ce.EST_IN_CODIGO
      JOIN ${t('DBM_ESTRUTURA')} e ON ${on('e', 'u', ORG_COLUMNS)} AND e.EST_IN_CODIGO = u.EMP_EST_IN_CODIGO
      WHERE ${on('ce', alias, ORG_COLUMNS)} AND ce.CTO_IN_CODIGO = ${alias}.CTO_IN_CODIGO AND ce.CTOENV_CH_ORIGEM = 'U' AND ${flag.sql})`,
    params: flag.params,
  };
}

/** A mapper's outcome as the source hands it on: the record, or the row's key with its validation error. */
export function mappedItem(
  ctx: LoaderContext,
  entity: EntityName,
  key: string,
  mapped: { ok: true; value: unknown; warnings?: readonly RecordWarning[] } | { ok: false; error: MegaCrmError },
): CapturedItem {
  if (!mapped.ok) return { kind: 'invalid', entity, key, error: mapped.error };
  const fitted = fitRecordText(mapped.value, ctx.charset, { entity, key });
  if (!fitted.ok) return { kind: 'invalid', entity, key, error: fitted.error };
  const warnings = [...(mapped.warnings ?? []), ...fitted.warnings];
  const record = { entity, key, payload: fitted.value };
  return warnings.length > 0 ? { kind: 'record', record, warnings } : { kind: 'record', record };
}
