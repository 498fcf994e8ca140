import type { LoaderContext } from './loaders/context.js';
import type { FeedEntity } from './schema/feed.js';
import { limitClause } from './sql/driver.js';

/** A position in MEGACRM_FEED: the sequence, and on PostgreSQL the writing transaction's id. */
export interface FeedPosition {
  readonly seq: number;
  readonly xid?: string;
}

export interface FeedEntry {
  /** A record, or a scope change (`enterprise`, `occurrence-type`) the source expands. */
  readonly entity: FeedEntity;
  readonly key: string;
}

export interface FeedReaderOptions {
  /** Oracle only: read rows once they are this old, so transactions still open are not skipped. Default 60. */
  readonly oracleCommitLagSeconds?: number;
}

/**
 * Reads MEGACRM_FEED in commit-safe order. SQLite serialises writers, so the sequence is enough.
 * PostgreSQL assigns the sequence at insert, not commit: rows are read by (transaction id, sequence)
 * and only below the oldest running transaction (`pg_snapshot_xmin`), so a slow transaction's rows
 * are never skipped. Oracle has no such horizon without DBA views: rows are read once older than a lag.
 */
export class FeedReader {
  readonly #ctx: LoaderContext;
  readonly #lag: number;

  constructor(ctx: LoaderContext, options: FeedReaderOptions = {}) {
    this.#ctx = ctx;
    this.#lag = options.oracleCommitLagSeconds ?? 60;
  }

  /** Where a full scan starting now must resume the feed so nothing committed during it is missed. */
  async head(): Promise<FeedPosition> {
    const { sql, t } = this.#ctx;
    const feed = t('MEGACRM_FEED');
    if (sql.dialect === 'postgres') {
      const [row] = await sql.all<{ XMIN: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS XMIN');
      return { xid: (BigInt(row?.XMIN ?? '1') - 1n).toString(), seq: Number.MAX_SAFE_INTEGER };
    }
    const lag = sql.dialect === 'oracle' ? ` WHERE FEED_DT_ALTERACAO < SYSTIMESTAMP - NUMTODSINTERVAL(?, 'SECOND')` : '';
    const [row] = await sql.all<{ SEQ: number | string | null }>(`SELECT MAX(FEED_IN_SEQ) AS SEQ FROM ${feed}${lag}`, lag ? [this.#lag] : []);
    return { seq: Number(row?.SEQ ?? 0) };
  }

  async read(from: FeedPosition, limit: number): Promise<{ entries: FeedEntry[]; next: FeedPosition; rows: number }> {
    const { sql, t } = this.#ctx;
    const feed = t('MEGACRM_FEED');
    type Row = { FEED_IN_SEQ: number | string; FEED_ID_XID?: string; FEED_ST_ENTIDADE: string; FEED_ST_CHAVE: string };
    let rows: Row[];
    if (sql.dialect === 'postgres') {
      const xid = from.xid ?? '0';
      rows = await sql.all<Row>(
        `SELECT FEED_IN_SEQ, FEED_ID_XID::text AS FEED_ID_XID, FEED_ST_ENTIDADE, FEED_ST_CHAVE FROM ${feed}
          WHERE (FEED_ID_XID > ?::xid8 OR (FEED_ID_XID = ?::xid8 AND FEED_IN_SEQ > ?))
            AND FEED_ID_XID < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY FEED_ID_XID, FEED_IN_SEQ ${limitClause('postgres')}`,
        [xid, xid, from.seq, limit],
      );
    } else if (sql.dialect === 'oracle') {
      rows = await sql.all<Row>(
        `SELECT FEED_IN_SEQ, FEED_ST_ENTIDADE, FEED_ST_CHAVE FROM ${feed}
          WHERE FEED_IN_SEQ > ? AND FEED_DT_ALTERACAO < SYSTIMESTAMP - NUMTODSINTERVAL(?, 'SECOND')
          ORDER BY FEED_IN_SEQ ${limitClause('oracle')}`,
        [from.seq, this.#lag, limit],
      );
    } else {
      rows = await sql.all<Row>(
        `SELECT FEED_IN_SEQ, FEED_ST_ENTIDADE, FEED_ST_CHAVE FROM ${feed} WHERE FEED_IN_SEQ > ? ORDER BY FEED_IN_SEQ ${limitClause('sqlite')}`,
        [from.seq, limit],
      );
    }
    const last = rows[rows.length - 1];
    const next: FeedPosition = last ? { seq: Number(last.FEED_IN_SEQ), ...(last.FEED_ID_XID ? { xid: last.FEED_ID_XID } : {}) } : from;
    const seen = new Set<string>();
    const entries: FeedEntry[] = [];
    for (const row of rows) {
      const id = `${row.FEED_ST_ENTIDADE}\u0000${row.FEED_ST_CHAVE}`;
      if (seen.has(id)) continue;
      seen.add(id);
      entries.push({ entity: row.FEED_ST_ENTIDADE.trim() as FeedEntity, key: row.FEED_ST_CHAVE.trim() });
    }
    return { entries, next, rows: rows.length };
  }
}
