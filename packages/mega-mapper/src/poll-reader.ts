import type { EntityName } from '@mega-crm/core';
import type { FeedEntry } from './feed-reader.js';
import type { LoaderContext } from './loaders/context.js';
import type { TableName } from './schema/tables.js';
import { keysetAfter, limitClause } from './sql/driver.js';

/**
 * Change-timestamp polling, for installs that cannot have triggers. Each polled table is read by
 * (change time, key) after the last position: rows sharing one timestamp are paged by key, never
 * lost or repeated. What polling cannot see: deletes (run a full scan to reconcile) and writers that
 * commit long after stamping their rows (keep `lagSeconds` above your longest transaction).
 */
export interface PollPosition {
  readonly ts: string | null;
  /** Key of the last row read at `ts`; null: every row at `ts` is still to be read. */
  readonly key: readonly unknown[] | null;
}

interface PolledTable {
  readonly table: TableName;
  /** GUESS columns: see schema/tables.ts. */
  readonly tsColumn: string;
  readonly keyColumns: readonly string[];
  readonly entities: ReadonlyArray<readonly [EntityName, (key: readonly unknown[]) => string]>;
}

const agent = (k: readonly unknown[]) => `${k[0]}-${k[1]}-${k[2]}`;
const org = (k: readonly unknown[]) => `${k[0]}-${k[1]}-${k[2]}-${String(k[3]).trim()}-${k[4]}`;
const AGENT = ['AGN_TAB_IN_CODIGO', 'AGN_PAD_IN_CODIGO', 'AGN_IN_CODIGO'];
const ORG = ['ORG_TAB_IN_CODIGO', 'ORG_PAD_IN_CODIGO', 'ORG_IN_CODIGO', 'ORG_TAU_ST_CODIGO'];

export const POLLED_TABLES: readonly PolledTable[] = [
  { table: 'GLO_AGENTES', tsColumn: 'AGN_DT_ALTERACAO', keyColumns: AGENT, entities: [['client', agent]] },
  {
    table: 'GLO_PESSOA_FISICA',
    tsColumn: 'AGN_DT_ALTERACAO',
    keyColumns: [...AGENT, 'AGN_CH_TIPO'],
    entities: [
      ['client', agent],
      ['spouse', (k) => `${agent(k)}-C`],
    ],
  },
  { table: 'CAR_CONTRATO', tsColumn: 'CTO_DT_ALTERACAO', keyColumns: [...ORG, 'CTO_IN_CODIGO'], entities: [['contract', org]] },
  { table: 'DBM_GERAOCORRENCIA', tsColumn: 'OCO_DT_ALTERACAO', keyColumns: [...ORG, 'OCO_IN_CODIGO'], entities: [['occurrence', org]] },
];

export type PollPositions = Readonly<Record<string, PollPosition>>;

export class PollReader {
  readonly #ctx: LoaderContext;
  readonly #entities: ReadonlySet<EntityName>;

  constructor(ctx: LoaderContext, entities: ReadonlySet<EntityName>) {
    this.#ctx = ctx;
    this.#entities = entities;
  }

  #tables(): PolledTable[] {
    return POLLED_TABLES.filter((p) => p.entities.some(([e]) => this.#entities.has(e)));
  }

  /** Positions at the newest row of each table, by (change time, key). */
  async head(): Promise<PollPositions> {
    const { sql, t } = this.#ctx;
    const out: Record<string, PollPosition> = {};
    for (const p of this.#tables()) {
      type Row = Record<string, unknown> & { TS: string };
      const [row] = await sql.all<Row>(
        `SELECT ${p.tsColumn} AS TS, ${p.keyColumns.join(', ')} FROM ${t(p.table)} WHERE ${p.tsColumn} IS NOT NULL
          ORDER BY ${[p.tsColumn, ...p.keyColumns].map((c) => `${c} DESC`).join(', ')} ${limitClause(sql.dialect)}`,
        [1],
      );
      out[p.table] = row ? { ts: String(row.TS), key: p.keyColumns.map((c) => row[c]) } : { ts: null, key: null };
    }
    return out;
  }

  async read(from: PollPositions, limit: number): Promise<{ entries: FeedEntry[]; next: PollPositions; full: boolean }> {
    const entries: FeedEntry[] = [];
    const next: Record<string, PollPosition> = { ...from };
    let full = false;
    for (const p of this.#tables()) {
      const at = from[p.table] ?? { ts: null, key: null };
      const filter =
        at.ts === null
          ? { sql: `${p.tsColumn} IS NOT NULL`, params: [] as unknown[] }
          : at.key === null
            ? { sql: `${p.tsColumn} >= ?`, params: [at.ts] as unknown[] }
            : keysetAfter([p.tsColumn, ...p.keyColumns], [at.ts, ...at.key], this.#ctx.sql.dialect);
      type Row = Record<string, unknown> & { TS: string };
      const rows = await this.#ctx.sql.all<Row>(
        `SELECT ${p.tsColumn} AS TS, ${p.keyColumns.join(', ')} FROM ${this.#ctx.t(p.table)} WHERE ${filter.sql}
          ORDER BY ${p.tsColumn}, ${p.keyColumns.join(', ')} ${limitClause(this.#ctx.sql.dialect)}`,
        [...filter.params, limit],
      );
      for (const row of rows) {
        const key = p.keyColumns.map((c) => row[c]);
        for (const [entity, keyOf] of p.entities) if (this.#entities.has(entity)) entries.push({ entity, key: keyOf(key) });
      }
      const last = rows[rows.length - 1];
      if (last) next[p.table] = { ts: String(last.TS), key: p.keyColumns.map((c) => last[c]) };
      if (rows.length === limit) full = true;
    }
    return { entries, next, full };
  }
}
