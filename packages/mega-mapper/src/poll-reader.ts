import type { FeedEntry } from './feed-reader.js';
import type { LoaderContext } from './loaders/context.js';
import type { FeedEntity } from './schema/feed.js';
import type { TableName } from './schema/tables.js';
import { keysetAfter, limitClause } from './sql/driver.js';

/**
 * Change-timestamp polling, for installs that cannot have triggers. Each polled table is read by
 * (change time, key) after the last position: rows sharing one timestamp are paged by key, never
 * lost or repeated.
 *
 * Late commits: a writer stamps its rows when it writes them but they become visible when it commits,
 * so a row stamped T1 can appear after a row stamped T2 > T1 was read (normal on Oracle with long
 * transactions). The position therefore only moves past rows older than the database's clock minus
 * `lagSeconds` ("settled"); rows changed within that window are read again on every run until they
 * settle. A re-read record whose content is unchanged is dropped by the store's content hash, so it
 * is never sent twice; it counts as `unchanged`. Keep `lagSeconds` above your longest transaction.
 * Deletes are not visible to polling: see `MegaSource.scopeKeys()` for the keys-only reconciliation.
 */
export interface PollPosition {
  readonly ts: string | null;
  /** Key of the last settled row read at `ts`; null: every row at `ts` is still to be read. */
  readonly key: readonly unknown[] | null;
  /** Within one run: the last row read past the settled position (rows still inside the lag window). */
  readonly tail?: { readonly ts: string; readonly key: readonly unknown[] } | null;
}

export interface PollOptions {
  /** Rows changed less than this many seconds ago (database clock) are read again each run. Default 60. */
  readonly lagSeconds?: number;
}

export const DEFAULT_POLL_LAG_SECONDS = 60;

interface PolledTable {
  readonly table: TableName;
  /** GUESS columns: see schema/tables.ts. */
  readonly tsColumn: string;
  readonly keyColumns: readonly string[];
  /** Only these rows (structures: enterprises). */
  readonly where?: string;
  readonly entities: ReadonlyArray<readonly [FeedEntity, (key: readonly unknown[]) => string]>;
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
  { table: 'CMR_PROSPECT', tsColumn: 'PRO_DT_ALTERACAO', keyColumns: AGENT, entities: [['prospect', agent]] },
  // Scope changes (a flag set later): the source expands them into the records they bring in.
  {
    table: 'DBM_ESTRUTURA',
    tsColumn: 'EST_DT_ALTERACAO',
    keyColumns: [...ORG, 'EST_IN_CODIGO'],
    entities: [['enterprise', org]],
    where: "EST_CH_TIPOESTRUTURA = 'E'",
  },
  {
    table: 'DBM_TIPOOCORRENCIA',
    tsColumn: 'OCS_DT_ALTERACAO',
    keyColumns: ['OCS_IN_MODULO', 'OCS_IN_CODIGO'],
    entities: [['occurrence-type', (k) => `${k[0]}-${k[1]}`]],
  },
];

export type PollPositions = Readonly<Record<string, PollPosition>>;

export class PollReader {
  readonly #ctx: LoaderContext;
  readonly #entities: ReadonlySet<FeedEntity>;
  readonly #lag: number;

  constructor(ctx: LoaderContext, entities: ReadonlySet<FeedEntity>, options: PollOptions = {}) {
    this.#ctx = ctx;
    this.#entities = entities;
    this.#lag = options.lagSeconds ?? DEFAULT_POLL_LAG_SECONDS;
  }

  #tables(): PolledTable[] {
    return POLLED_TABLES.filter((p) => p.entities.some(([e]) => this.#entities.has(e)));
  }

  /**
   * "Row is older than the lag window" in the database's own clock (the one the stamps are written
   * with: SQLite and PostgreSQL local time, Oracle SYSDATE), with its one parameter.
   */
  #settled(tsColumn: string): { sql: string; params: unknown[] } {
    const { dialect } = this.#ctx.sql;
    const horizon =
      dialect === 'sqlite'
        ? "strftime('%Y-%m-%d %H:%M:%f', 'now', 'localtime', ?)"
        : dialect === 'postgres'
          ? 'LOCALTIMESTAMP - make_interval(secs => CAST(? AS double precision))'
          : // SYSDATE: the database server's clock, the one Mega's own stamps are written with.
            "SYSDATE - NUMTODSINTERVAL(?, 'SECOND')";
    return { sql: `${tsColumn} < ${horizon}`, params: [dialect === 'sqlite' ? `-${this.#lag} seconds` : this.#lag] };
  }

  /** Positions at the newest settled row of each table, by (change time, key): newer rows are read after a full scan. */
  async head(): Promise<PollPositions> {
    const { sql, t } = this.#ctx;
    const out: Record<string, PollPosition> = {};
    for (const p of this.#tables()) {
      type Row = Record<string, unknown> & { TS: string };
      const settled = this.#settled(p.tsColumn);
      const [row] = await sql.all<Row>(
        `SELECT ${p.tsColumn} AS TS, ${p.keyColumns.join(', ')} FROM ${t(p.table)} x WHERE ${settled.sql}${p.where ? ` AND ${p.where}` : ''}
          ORDER BY ${[p.tsColumn, ...p.keyColumns].map((c) => `${c} DESC`).join(', ')} ${limitClause(sql.dialect)}`,
        [...settled.params, 1],
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
      const readFrom = at.tail ?? at;
      const filter =
        readFrom.ts === null
          ? { sql: `${p.tsColumn} IS NOT NULL`, params: [] as unknown[] }
          : readFrom.key === null
            ? { sql: `${p.tsColumn} >= ?`, params: [readFrom.ts] as unknown[] }
            : keysetAfter([p.tsColumn, ...p.keyColumns], [readFrom.ts, ...readFrom.key], this.#ctx.sql.dialect);
      const settled = this.#settled(p.tsColumn);
      type Row = Record<string, unknown> & { TS: string; SETTLED: number | string };
      const rows = await this.#ctx.sql.all<Row>(
        `SELECT ${p.tsColumn} AS TS, ${p.keyColumns.join(', ')}, CASE WHEN ${settled.sql} THEN 1 ELSE 0 END AS SETTLED
          FROM ${this.#ctx.t(p.table)} x WHERE ${filter.sql}${p.where ? ` AND ${p.where}` : ''}
          ORDER BY ${p.tsColumn}, ${p.keyColumns.join(', ')} ${limitClause(this.#ctx.sql.dialect)}`,
        [...settled.params, ...filter.params, limit],
      );
      for (const row of rows) {
        const key = p.keyColumns.map((c) => row[c]);
        for (const [entity, keyOf] of p.entities) if (this.#entities.has(entity)) entries.push({ entity, key: keyOf(key) });
      }
      // Rows come in (time, key) order, so the settled ones are a prefix of the page. Past a tail, the
      // settled position may follow them only when the page's first row is settled: every row between
      // it and the tail is at least as old, so settled too.
      const isSettled = (r: Row) => Number(r.SETTLED) === 1;
      const advance = !at.tail || (rows[0] !== undefined && isSettled(rows[0]));
      let position: PollPosition = { ts: at.ts, key: at.key };
      if (advance) {
        for (const row of rows) {
          if (!isSettled(row)) break;
          position = { ts: String(row.TS), key: p.keyColumns.map((c) => row[c]) };
        }
      }
      const last = rows[rows.length - 1];
      const tail = !last ? (at.tail ?? null) : advance && rows.every(isSettled) ? null : { ts: String(last.TS), key: p.keyColumns.map((c) => last[c]) };
      next[p.table] = { ...position, tail };
      if (rows.length === limit) full = true;
    }
    // Caught up: the next run starts again from the settled positions, re-reading the lag window.
    if (!full) for (const [table, position] of Object.entries(next)) next[table] = { ts: position.ts, key: position.key };
    return { entries, next, full };
  }
}
